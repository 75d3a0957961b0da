#include "shell/shell.hpp"

#include <cstdlib>
#include <ctime>

#include "core/time.hpp"
#include "shell/admin_url.hpp"
#include "shell/cluster_view.hpp"
#include "shell/commands.hpp"
#include "shell/identity.hpp"
#include "shell/interrupt.hpp"
#include "shell/metrics_text.hpp"
#include "shell/suggest.hpp"
#include "shell/views.hpp"
#include "shell/watch.hpp"

namespace tasks::shell {

using nlohmann::json;

namespace {

std::string wall_clock() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
  return buf;
}

std::string seconds_text(std::chrono::milliseconds interval) {
  const auto ms = interval.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) : std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100);
}

// The values of `key` in the objects of answer[list]: actor ids, topics.
std::vector<std::string> strings_in(const json& answer, const char* list, const char* key) {
  std::vector<std::string> out;
  if (!answer.is_object() || !answer.contains(list) || !answer[list].is_array()) return out;
  for (const auto& item : answer[list])
    if (item.is_object() && item.contains(key) && item[key].is_string()) out.push_back(item[key].get<std::string>());
  return out;
}

// `?topic=` when the command names a topic, else nothing: all topics.
std::string topic_query(const CommandLine& line) {
  return line.words.size() > 1 ? "?topic=" + encode_path_segment(line.words[1]) : "";
}

// The words from `first` on, one blank between them: a discard's reason as typed (quotes may
// keep several blanks).
std::string rest_of_line(const std::vector<std::string>& words, size_t first) {
  std::string out;
  for (size_t i = first; i < words.size(); ++i) out += (out.empty() ? "" : " ") + words[i];
  return out;
}

const char* environment(const char* name) {
  return std::getenv(name);
}

}  // namespace

Shell::Shell(AdminClient& client, ShellOptions options, std::ostream& out, std::ostream& err)
    : client_(client), options_(options), out_(out), err_(err) {}

Status Shell::execute(std::string_view text) {
  const CommandLine line = parse_command_line(text);
  if (!line.error.empty()) {
    err_ << "error: " << line.error << "\n";
    return Status::failed;
  }
  if (line.blank()) return Status::ok;
  const Status status = run(line);
  out_.flush();
  err_.flush();
  return status;
}

Status Shell::run(const CommandLine& line) {
  const CommandSpec* spec = find_command(line.name());
  if (spec == nullptr) {
    err_ << "unknown command \"" << line.name() << "\"";
    if (auto suggestion = closest(line.name(), command_names()))
      err_ << "; did you mean \"" << *suggestion << "\"?\n";
    else
      err_ << "; help lists the commands\n";
    return Status::failed;
  }
  if (auto usage = arity_error(*spec, line.words.size() - 1)) {
    err_ << *usage << "\n";
    return Status::failed;
  }
  const std::string_view name = spec->name;
  if (name == "help") return help(line);
  if (name == "actors") return actors(line);
  if (name == "inspect") return inspect(line);
  if (name == "publishers") return publishers(line);
  if (name == "cluster") return cluster(line);
  if (name == "outbox") return outbox(line);
  if (name == "dead") return dead(line);
  if (name == "lanes") return lanes(line);
  if (name == "redrive") return redrive(line);
  if (name == "discard") return discard(line);
  if (name == "discarded") return discarded(line);
  if (name == "pause" || name == "resume") return pause_or_resume(line);
  if (name == "metrics") return metrics(line);
  if (name == "watch") return watch(line);
  finished_ = true;  // quit
  return Status::ok;
}

std::optional<json> Shell::answer(const AdminReply& reply, Status& status, bool as_json) {
  if (!reply.reached) {
    err_ << "taskctl: cannot reach the admin API at " << client_.base_url() << ": " << reply.error << "\n";
    status = Status::unreachable;
    return std::nullopt;
  }
  status = Status::failed;
  if (!reply.ok()) {
    err_ << "error: " << error_detail(reply.status, reply.body) << "\n";
    if (as_json) {
      // Machines get the problem document too, on the same stream as every other answer.
      const json problem = json::parse(reply.body, nullptr, false);
      if (!problem.is_discarded()) print_json(problem);
    }
    return std::nullopt;
  }
  json body = json::parse(reply.body, nullptr, false);
  if (body.is_discarded()) {
    err_ << "error: the admin API answered HTTP " << reply.status << " with something that is not JSON\n";
    return std::nullopt;
  }
  status = Status::ok;
  return body;
}

void Shell::print_json(const json& document) {
  out_ << document.dump(2) << "\n";
}

Status Shell::help(const CommandLine& line) {
  if (line.words.size() == 2) {
    const CommandSpec* spec = find_command(line.words[1]);
    if (spec == nullptr) {
      err_ << "no command \"" << line.words[1] << "\"; help lists the commands\n";
      return Status::failed;
    }
    out_ << help_text(*spec);
    return Status::ok;
  }
  if (json_wanted(line)) {
    json commands = json::array();
    for (const auto& spec : command_catalogue())
      commands.push_back({{"name", spec.name}, {"usage", spec.usage}, {"summary", spec.summary}});
    print_json({{"commands", commands}});
  } else {
    out_ << help_text();
  }
  return Status::ok;
}

Status Shell::actors(const CommandLine& line) {
  Status status;
  auto body = answer(client_.get("/admin/actors"), status, json_wanted(line));
  if (!body) return status;
  const std::string filter = line.words.size() > 1 ? line.words[1] : "";
  if (json_wanted(line))
    print_json(filter_actors(*body, filter));
  else
    out_ << render(actors_view(*body, filter));
  return status;
}

Status Shell::show(const CommandLine& line, const std::string& path, View (*view)(const nlohmann::json&)) {
  Status status;
  auto body = answer(client_.get(path), status, json_wanted(line));
  if (!body) return status;
  if (json_wanted(line))
    print_json(*body);
  else
    out_ << render(view(*body));
  return status;
}

Status Shell::inspect(const CommandLine& line) {
  return show(line, "/admin/actors/" + encode_path_segment(line.words[1]), actor_view);
}

Status Shell::publishers(const CommandLine& line) {
  return show(line, "/admin/publishers", publishers_view);
}

Status Shell::cluster(const CommandLine& line) {
  const bool every_bucket = line.words.size() > 1;
  if (every_bucket && line.words[1] != "buckets") {
    err_ << "usage: cluster [buckets]";
    if (auto suggestion = closest(line.words[1], {"buckets"})) err_ << "; did you mean \"" << *suggestion << "\"?";
    err_ << "\n";
    return Status::failed;
  }
  Status status;
  auto body = answer(client_.get("/admin/cluster"), status, json_wanted(line));
  if (!body) return status;
  if (json_wanted(line)) {
    print_json(*body);
    return status;
  }
  // Lease expiries and renewals read as ages ("in 8.0s"), counted from this clock.
  const long long now_ms = now_millis();
  out_ << (every_bucket ? render(cluster_buckets_view(*body, now_ms)) : render(cluster_view(*body, now_ms)));
  return status;
}

Status Shell::outbox(const CommandLine& line) {
  if (line.words.size() > 1)
    return show(line, "/admin/outbox/" + encode_path_segment(line.words[1]), outbox_topic_view);
  return show(line, "/admin/outbox", outbox_view);
}

Status Shell::dead(const CommandLine& line) {
  return show(line, "/admin/dead-letters" + topic_query(line), dead_letters_view);
}

Status Shell::lanes(const CommandLine& line) {
  return show(line, "/admin/lanes" + topic_query(line), lanes_view);
}

Status Shell::discarded(const CommandLine& line) {
  return show(line, "/admin/discarded" + topic_query(line), discarded_view);
}

Status Shell::report(const CommandLine& line, const AdminReply& reply, std::string (*text)(const json&)) {
  Status status;
  auto body = answer(reply, status, json_wanted(line));
  if (!body) return status;
  if (json_wanted(line))
    print_json(*body);
  else
    out_ << text(*body) << "\n";
  return status;
}

Status Shell::discard(const CommandLine& line) {
  const std::string reason = rest_of_line(line.words, 2);
  if (reason.find_first_not_of(" \t") == std::string::npos) {
    // Refused here rather than by the service: the reason is the point of the record.
    err_ << "usage: discard <event-id> <reason...>: say why it is given up on (recorded with your name)\n";
    return Status::failed;
  }
  const json request = {{"by", operator_identity(environment)}, {"reason", reason}};
  const std::string path = "/admin/dead-letters/" + encode_path_segment(line.words[1]) + "/discard";
  // A 404 is the service's "no dead letter with event id ...", printed as its detail.
  return report(line, client_.post_json(path, request.dump()), discarded_text);
}

Status Shell::redrive(const CommandLine& line) {
  const std::string& which = line.words[1];
  std::string path;
  if (which == "all") {
    path = "/admin/dead-letters/redrive";
    if (line.words.size() > 2) path += "?topic=" + encode_path_segment(line.words[2]);
  } else if (line.words.size() > 2) {
    err_ << "usage: redrive <event-id> or redrive all [topic]\n";
    return Status::failed;
  } else {
    path = "/admin/dead-letters/" + encode_path_segment(which) + "/redrive";
  }
  return report(line, client_.post(path), redriven_text);
}

Status Shell::pause_or_resume(const CommandLine& line) {
  return report(line, client_.post("/admin/publishers/" + encode_path_segment(line.words[1]) + "/" + line.name()),
                publisher_state_text);
}

Status Shell::metrics(const CommandLine& line) {
  const AdminReply reply = client_.get("/metrics");
  Status status;
  if (!reply.ok()) {
    answer(reply, status, json_wanted(line));  // prints why
    return status;
  }
  const std::string prefix = line.words.size() > 1 ? line.words[1] : "";
  const auto samples = parse_samples(filter_by_prefix(reply.body, prefix));
  if (json_wanted(line))
    print_json(samples_json(samples));
  else
    out_ << render(metrics_view(samples, prefix));
  return Status::ok;
}

Status Shell::watch(const CommandLine& line) {
  const WatchPlan plan = plan_watch(line.args());
  if (!plan.error.empty()) {
    err_ << plan.error << "\n";
    return Status::failed;
  }
  const bool as_json = json_wanted(line);
  const std::string command = as_json ? plan.command + " --json" : plan.command;
  InterruptCatcher catcher;
  clear_interrupt();
  Status status = Status::ok;
  for (long run = 0; !plan.count || run < *plan.count; ++run) {
    if (run > 0 && !sleep_unless_interrupted(plan.interval)) break;
    if (options_.clear_screen)
      out_ << "\033[H\033[2J";
    else if (run > 0 && !as_json)
      out_ << "\n";
    // JSON readers get one document a run and nothing else.
    if (!as_json)
      out_ << "every " << seconds_text(plan.interval) << "s: " << plan.command << "   " << wall_clock()
           << (plan.count ? "" : "   (Ctrl-C stops)") << "\n\n";
    status = execute(command);
    if (interrupted()) break;
  }
  if (interrupted()) out_ << "\n";  // the prompt goes below the echoed ^C
  clear_interrupt();
  return status;
}

Completion Shell::complete(std::string_view before_cursor) {
  const CompletionRequest request = completion_request(before_cursor);
  Completion out{request.word, {}};
  std::vector<std::string> choices;
  switch (request.kind) {
    case Argument::command: choices = command_names(); break;
    case Argument::actor: {
      const AdminReply reply = client_.get("/admin/actors");
      if (reply.ok()) choices = strings_in(json::parse(reply.body, nullptr, false), "actors", "id");
      break;
    }
    case Argument::topic: {
      const AdminReply reply = client_.get("/admin/outbox");
      if (reply.ok()) choices = strings_in(json::parse(reply.body, nullptr, false), "topics", "topic");
      break;
    }
    case Argument::dead_letter: choices = dead_letter_ids(); break;
    case Argument::none:
    case Argument::free: break;
  }
  choices.insert(choices.end(), request.fixed.begin(), request.fixed.end());
  out.choices = matching(request.word, choices);
  return out;
}

std::vector<std::string> Shell::dead_letter_ids() {
  const AdminReply reply = client_.get("/admin/dead-letters");
  if (!reply.ok()) return {};
  return strings_in(json::parse(reply.body, nullptr, false), "dead_letters", "event_id");
}

}  // namespace tasks::shell
