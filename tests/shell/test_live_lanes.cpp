// The shell against a real taskd with a lane stopped by a dead letter: `lanes` shows it and how
// to act, `outbox` counts it, `discard` gives it up with a recorded reason and name,
// `discarded` shows the record, and then `lanes` has nothing and the user's next event flows.
//
// How the dead letter comes about with the recording sidecar as it is: alice's event is
// delivered first (evidence that the topic flows), then the sidecar refuses task-events with
// 400 and an error code it does not know. Next to a delivery that is one user's trouble (a lane
// failure, not the topic's), and with TASKS_PUBLISH_MAX_AGE at 100ms bob's event is
// dead-lettered after a retry or two instead of after a day. (The mangle fault switch needs a
// sidecar that tells broken JSON from good, which the recording one does not.)

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "shell/admin_client.hpp"
#include "shell/shell.hpp"
#include "tests/shell/table_rows.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/recording_sidecar.hpp"
#include "tests/support/taskd_process.hpp"
#include "tests/support/user_api.hpp"
#include "tests/support/wait.hpp"

extern char** environ;

using namespace tasks::testing;
using nlohmann::json;

namespace {

constexpr const char* operator_user = "shell-test-operator";

struct Ran {
  int status = -1;  // the exit status, -1 when it did not exit normally
  std::string out, err;
};

std::string taskctl_binary() {
  const char* bin = std::getenv("TASKCTL_BIN");
  if (bin == nullptr) throw std::runtime_error("TASKCTL_BIN is not set (run the tests through ctest)");
  return bin;
}

// `taskctl shell --admin <admin> -c <command>` as a script runs it: no terminal, stdout and
// stderr kept apart (in files, so a long answer cannot fill a pipe), USER set to a name the
// discard record must show.
Ran shell_c(const std::string& admin, const std::string& command, const std::string& workdir) {
  const std::string out_path = workdir + "/shell.out", err_path = workdir + "/shell.err";
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&files, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> env_strings{std::string("USER=") + operator_user};
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view(*e).rfind("USER=", 0) != 0) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& kv : env_strings) envp.push_back(kv.data());
  envp.push_back(nullptr);
  std::string bin = taskctl_binary(), sub = "shell", flag = "--admin", url = admin, c = "-c", line = command;
  char* argv[] = {bin.data(), sub.data(), flag.data(), url.data(), c.data(), line.data(), nullptr};
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, bin.c_str(), &files, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&files);
  BOOST_REQUIRE_MESSAGE(spawned == 0, "cannot start " << bin);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  return {WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1, read_whole_file(out_path), read_whole_file(err_path)};
}

// Whether some line of `text` matches `pattern` (^ and $ anchor at the line's ends).
bool has_line(const std::string& text, const std::string& pattern) {
  const std::regex wanted(pattern);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (std::regex_search(line, wanted)) return true;
  return false;
}

json get_json(HttpClient& admin, const std::string& path) {
  const auto r = admin.request("GET", path);
  return r.status == 200 ? json::parse(r.body, nullptr, false) : json();
}

struct LiveTaskd {
  RecordingSidecar sidecar;
  std::string workdir = make_temp_dir("shell-lanes");
  std::unique_ptr<TaskdProcess> taskd;

  LiveTaskd() {
    TaskdOptions options;
    options.workdir = workdir + "/taskd";
    options.env = {{"DAPR_HTTP_ENDPOINT", sidecar.endpoint()},
                   {"TASKS_PUBLISH_BACKOFF_INITIAL", "20ms"},
                   {"TASKS_PUBLISH_BACKOFF_MAX", "200ms"},
                   {"TASKS_PUBLISH_POLL_INTERVAL", "100ms"},
                   {"TASKS_PUBLISH_MAX_AGE", "100ms"}};
    taskd = std::make_unique<TaskdProcess>(options);
  }
  ~LiveTaskd() {
    taskd.reset();  // stopped before its files go
    std::error_code ignored;
    std::filesystem::remove_all(workdir, ignored);
  }
  Ran shell(const std::string& command) { return shell_c(taskd->admin_url(), command, workdir); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(live_lanes)

BOOST_AUTO_TEST_CASE(a_blocked_lane_is_shown_discarded_and_recorded) {
  LiveTaskd live;
  HttpClient admin(live.taskd->admin_url());
  UserApi alice(*live.taskd, "alice"), bob(*live.taskd, "bob");

  alice.create_id("delivered first");
  BOOST_REQUIRE(wait_until([&] { return live.sidecar.delivered_count("task-events") == 1u; }));
  live.sidecar.behave("task-events", SidecarBehaviour{400});
  bob.create_id("refused");
  json lanes;
  BOOST_REQUIRE_MESSAGE(wait_until(
                            [&] {
                              lanes = get_json(admin, "/admin/lanes");
                              return lanes.is_object() && lanes["blocked_lanes"].size() == 1u;
                            },
                            std::chrono::seconds(30)),
                        "no blocked lane; taskd said: " << live.taskd->stdout_text());
  const std::string event_id = lanes["blocked_lanes"][0]["event_id"];
  // A later event of bob's waits behind the dead letter.
  bob.create_id("waits behind");
  BOOST_REQUIRE(wait_until([&] {
    lanes = get_json(admin, "/admin/lanes");
    return lanes.is_object() && lanes["blocked_lanes"].size() == 1u && lanes["blocked_lanes"][0]["waiting"] == 1;
  }));

  Ran r = live.shell("lanes");
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(has_line(r.out, "^TOPIC +USER +TYPE +EVENT ID +SINCE +WAITING +REASON$"), r.out);
  BOOST_TEST(has_line(r.out, "^task-events +bob +task\\.created +" + event_id + " +\\S+ +1 +failing for itself"),
             r.out);
  BOOST_TEST(has_line(r.out, "redrive <event-id>.*discard <event-id> <reason\\.\\.\\.>"), r.out);

  r = live.shell("lanes reminders");
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(r.out == "no blocked lanes\n");

  r = live.shell("outbox");
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(has_line(r.out, "^TOPIC +PENDING +OLDEST +LANES +BACKING OFF +BLOCKED +DEAD LETTERS +OLDEST DEAD$"),
             r.out);
  const auto row = row_of(r.out, "task-events");
  BOOST_REQUIRE_MESSAGE(row.size() == 8u, r.out);
  BOOST_TEST(row[5] == "1", "blocked: " << r.out);
  BOOST_TEST(row[6] == "1", "dead letters: " << r.out);
  BOOST_TEST(has_line(r.out, "^task-events: 1 lane stopped by a dead letter \\(lanes task-events shows them\\)$"),
             r.out);

  r = live.shell("outbox task-events");
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(has_line(r.out, " bob +0 +\\S+ +waiting behind " + event_id.substr(0, 8) + "( |$)"), r.out);

  // Bob's trouble is his lane's, not the topic's: the publisher is not probing.
  r = live.shell("publishers");
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(has_line(r.out, " +TOPIC +STATE +PROBING +.* +LANE BACKOFFS +TOPIC BACKOFFS +"), r.out);
  BOOST_TEST(r.out.find("PROBING:") == std::string::npos, r.out);

  // Tab offers the dead letter's event id to discard, and to redrive besides "all".
  tasks::shell::AdminClient client(live.taskd->admin_url(), "");
  std::ostringstream ignored_out, ignored_err;
  tasks::shell::Shell completer(client, {}, ignored_out, ignored_err);
  BOOST_TEST(completer.complete("discard ").choices == std::vector<std::string>{event_id},
             boost::test_tools::per_element());
  std::vector<std::string> both{event_id, "all"};
  std::sort(both.begin(), both.end());
  BOOST_TEST(completer.complete("redrive ").choices == both, boost::test_tools::per_element());
  BOOST_TEST(completer.complete("discard " + event_id.substr(0, 4)).word == event_id.substr(0, 4));

  r = live.shell("discard " + event_id);
  BOOST_TEST(r.status == 1);
  BOOST_TEST(has_line(r.err, "^usage: discard <event-id> <reason\\.\\.\\.>: say why"), r.err);

  live.sidecar.behave("task-events", SidecarBehaviour{204});  // bob's next event may go now
  r = live.shell("discard " + event_id + " bad payload");
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(has_line(r.out, "^discarded " + event_id + " \\(by " + operator_user + "@[^)]*\\): bad payload$"), r.out);

  r = live.shell("discard " + event_id + " once more");
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.err == "error: no dead letter with event id " + event_id + "\n");

  r = live.shell("discarded");
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(has_line(r.out, "^DISCARDED AT +BY +NOTE +TOPIC +USER +TYPE +EVENT ID$"), r.out);
  BOOST_TEST(has_line(r.out, std::string("^\\S+ +") + operator_user + "@\\S* +bad payload +task-events +bob +" +
                                 "task\\.created +" + event_id + "$"),
             r.out);

  r = live.shell("lanes");
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(r.out == "no blocked lanes\n");
  // The lane goes on: bob's waiting event is delivered.
  BOOST_TEST(wait_until([&] { return live.sidecar.delivered_count("task-events") == 2u; }));

  r = live.shell("discarded --json");
  BOOST_TEST(r.status == 0, r.err);
  const json record = json::parse(r.out, nullptr, false);
  BOOST_REQUIRE(record.is_object());
  BOOST_TEST(record["discarded"][0]["note"] == "bad payload");
  BOOST_TEST(record["discarded"][0]["discarded_by"].get<std::string>().rfind(std::string(operator_user) + "@", 0) ==
             0u);
}

// `cluster` against the real endpoint: one SQLite taskd holds every bucket, and says so.
BOOST_AUTO_TEST_CASE(cluster_shows_the_real_replica_holding_every_bucket) {
  LiveTaskd live;
  HttpClient admin(live.taskd->admin_url());
  auto view = get_json(admin, "/admin/cluster");
  BOOST_REQUIRE(view.is_object());
  const std::string self = view["self"];
  BOOST_TEST(view["bucket_count"] == 256);
  BOOST_TEST(view["exclusive"] == true);
  auto ran = live.shell("cluster");
  BOOST_TEST(ran.status == 0, ran.err);
  BOOST_TEST(ran.out.find(self) != std::string::npos, ran.out);
  BOOST_TEST(ran.out.find("0-255") != std::string::npos, ran.out);
  auto raw = live.shell("cluster --json");
  BOOST_TEST(raw.status == 0, raw.err);
  BOOST_TEST(json::parse(raw.out, nullptr, false)["self"] == self);
}

BOOST_AUTO_TEST_SUITE_END()
