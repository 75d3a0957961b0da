#include "tests/support/recording_sidecar.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "http/percent.hpp"
#include "tests/support/event_dump.hpp"
#include "tests/support/http_client.hpp"

namespace tasks::testing {

namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using LaneKey = std::pair<std::string, std::string>;  // (topic, partition key)

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A path segment as the publisher meant it (a malformed one as it came: the test then sees it).
std::string url_decode(const std::string& s) {
  auto decoded = http::percent_decode(s, http::PlusSign::literal);
  return std::holds_alternative<std::string>(decoded) ? std::get<std::string>(decoded) : s;
}

// The publish request as recorded: topic and pub/sub from the path, the partition key from the
// `metadata.partitionKey` query parameter, the body parsed as JSON when it is.
RecordedPublish parse_publish(const std::string& rest, const std::string& query,
                              const bhttp::request<bhttp::string_body>& request) {
  RecordedPublish r;
  r.at = Clock::now();
  r.pubsub = url_decode(rest.substr(0, rest.find('/')));
  r.topic = url_decode(rest.substr(rest.find('/') + 1));
  const auto decoded_query = http::query_parameters(query);
  if (const auto* params = std::get_if<0>(&decoded_query)) {
    if (auto it = params->find("metadata.partitionKey"); it != params->end()) r.partition_key = it->second;
  }
  for (const auto& field : request) r.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  r.body = request.body();
  r.event = nlohmann::json::parse(r.body, nullptr, false);
  if (r.event.is_discarded()) r.event = nullptr;
  r.content_type = std::string(request[bhttp::field::content_type]);
  return r;
}

// A bulk publish's entries as recorded, or the error daprd gives the whole request for a body it
// cannot take (pkg/api/http/http.go onBulkPublish): not a JSON array of entries (400
// ERR_PUBSUB_EVENTS_SER), an entryId missing or repeated (400 ERR_PUBSUB_EVENTS_SER), an event
// that is not a CloudEvent object (500 ERR_PUBSUB_CLOUD_EVENTS_SER).
std::vector<RecordedPublish> parse_bulk(const std::string& rest, const bhttp::request<bhttp::string_body>& request,
                                        std::string& refused_code, long& refused_status) {
  std::vector<RecordedPublish> out;
  RecordedPublish base;
  base.at = Clock::now();
  base.pubsub = url_decode(rest.substr(0, rest.find('/')));
  base.topic = url_decode(rest.substr(rest.find('/') + 1));
  base.bulk = true;
  for (const auto& field : request) base.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  const auto entries = nlohmann::json::parse(request.body(), nullptr, false);
  auto refuse = [&](long status, const char* code) {
    refused_status = status;
    refused_code = code;
    return std::vector<RecordedPublish>{};
  };
  if (!entries.is_array()) return refuse(400, "ERR_PUBSUB_EVENTS_SER");
  std::set<std::string> ids;
  for (const auto& e : entries) {
    if (!e.is_object() || !e.contains("entryId") || !e["entryId"].is_string())
      return refuse(400, "ERR_PUBSUB_EVENTS_SER");
    RecordedPublish r = base;
    r.entry_id = e["entryId"].get<std::string>();
    if (r.entry_id.empty() || !ids.insert(r.entry_id).second) return refuse(400, "ERR_PUBSUB_EVENTS_SER");
    r.event = e.value("event", nlohmann::json());
    if (!r.event.is_object()) return refuse(500, "ERR_PUBSUB_CLOUD_EVENTS_SER");
    r.body = r.event.dump();
    r.content_type = e.value("contentType", "");
    if (auto m = e.find("metadata"); m != e.end() && m->is_object())
      if (auto k = m->find("partitionKey"); k != m->end() && k->is_string()) r.partition_key = k->get<std::string>();
    out.push_back(std::move(r));
  }
  return out;
}

// What goes back on the wire; nothing at all when `send` is false.
struct Reply {
  bool send = true;
  long status = 204;
  std::string body{}, content_type{};
};

// daprd's whole-request error answer (respondWithError: {"errorCode", "message"}).
Reply daprd_error(long status, const std::string& code, const std::string& message) {
  return Reply{true, status, nlohmann::json{{"errorCode", code}, {"message", message}}.dump(), "application/json"};
}

bool failing(const SidecarBehaviour& b) {
  return b.status < 200 || b.status >= 300;
}

// A failure daprd reports per entry of a bulk request: the component's publish failed for it.
bool entry_failure(const SidecarBehaviour& b) {
  return b.status == 500 && b.body.empty() && (b.error_code.empty() || b.error_code == "ERR_PUBSUB_PUBLISH_MESSAGE");
}

Reply reply_for(const SidecarBehaviour& b) {
  Reply reply;
  reply.status = b.status;
  if (!b.body.empty()) {
    reply.body = b.body;
    reply.content_type = "application/json";
  } else if (b.status < 200 || b.status >= 300) {
    const std::string code = b.error_code.empty() ? "ERR_TEST" : b.error_code;
    reply.body = nlohmann::json{{"errorCode", code}, {"message", "told to answer " + std::to_string(b.status)}}.dump();
    reply.content_type = "application/json";
  }
  return reply;
}

}  // namespace

std::string RecordedPublish::event_id() const {
  if (event.is_object() && event.contains("id") && event["id"].is_string()) return event["id"].get<std::string>();
  return "";
}

struct RecordingSidecar::Impl {
  int port = 0;

  // Behaviours and records, under `mutex`.
  mutable std::mutex mutex;
  std::condition_variable wake;  // delayed and hung answers wait on it; stop() ends them
  std::map<std::string, SidecarBehaviour> by_topic;
  std::map<LaneKey, SidecarBehaviour> by_key;  // topic "" = every topic
  std::map<std::string, SidecarBehaviour> by_event;
  std::vector<RecordedPublish> seen;
  std::function<void(const RecordedPublish&)> observer;
  size_t cleared = 0;  // records dropped by clear(): a record's number minus this is its index
  bool keep = true;
  bool dump = true;  // write every event for the schema check
  size_t total = 0, total_delivered = 0, http_total = 0, bulk_total = 0;
  bool bulk_route = true;
  size_t in_flight = 0, max_in_flight = 0, max_per_key = 0, max_per_lane = 0;
  std::map<std::string, size_t> in_flight_by_key;
  std::map<LaneKey, size_t> in_flight_by_lane, max_by_lane;
  // Bumped by stop(): requests of an earlier generation are gone with their connections.
  std::uint64_t generation = 0;

  // Serving: start() and stop() under `serving_mutex`; the accept loop and a thread per connection.
  std::mutex serving_mutex;
  net::io_context io;  // owns no threads: the sockets are used synchronously
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<bool> accepting{false};
  std::thread accept_thread;
  struct Connection {
    std::unique_ptr<tcp::socket> socket;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::list<Connection> connections;  // under connections_mutex
  std::mutex connections_mutex;

  SidecarBehaviour behaviour_for(const RecordedPublish& r) const {
    if (auto it = by_event.find(r.event_id()); it != by_event.end() && !it->first.empty()) return it->second;
    if (auto it = by_key.find({r.topic, r.partition_key}); it != by_key.end()) return it->second;
    if (auto it = by_key.find({"", r.partition_key}); it != by_key.end()) return it->second;
    if (auto it = by_topic.find(r.topic); it != by_topic.end()) return it->second;
    if (auto it = by_topic.find(""); it != by_topic.end()) return it->second;
    return {};
  }

  // Records one request as in flight; returns its number and how to answer it (nothing when
  // the server stopped since the request's connection was accepted).
  std::optional<std::pair<size_t, SidecarBehaviour>> admit(RecordedPublish r, std::uint64_t of_generation) {
    std::lock_guard lock(mutex);
    if (of_generation != generation) return std::nullopt;
    const auto b = behaviour_for(r);
    if (observer) observer(r);
    if (dump) dump_event("sidecar", r.topic, r.body);  // for the schema check (TASKS_EVENT_DUMP_DIR)
    ++total;
    r.request = ++http_total;
    max_in_flight = std::max(max_in_flight, ++in_flight);
    const size_t number = cleared + seen.size();
    if (keep) {
      max_per_key = std::max(max_per_key, ++in_flight_by_key[r.partition_key]);
      const LaneKey lane{r.topic, r.partition_key};
      const size_t now = ++in_flight_by_lane[lane];
      max_by_lane[lane] = std::max(max_by_lane[lane], now);
      max_per_lane = std::max(max_per_lane, now);
      seen.push_back(std::move(r));
    }
    return std::pair{number, b};
  }

  // The request is over (answered with `status`, or 0: closed without an answer). Requests of a
  // stopped generation were already taken out of the counts by stop().
  void settle(size_t number, const LaneKey& lane, long status, std::uint64_t of_generation) {
    std::lock_guard lock(mutex);
    if (of_generation != generation) return;
    --in_flight;
    if (!keep) {
      total_delivered += status == 204;
      return;
    }
    --in_flight_by_key[lane.second];
    --in_flight_by_lane[lane];
    if (number >= cleared && number - cleared < seen.size()) seen[number - cleared].answered = status;
  }

  // A bulk request's entries, recorded as in flight: a lane (topic, key) counts once however many
  // entries it has. Returns the first entry's number and each entry's behaviour.
  std::optional<std::pair<size_t, std::vector<SidecarBehaviour>>> admit_bulk(std::vector<RecordedPublish> entries,
                                                                             std::uint64_t of_generation) {
    std::lock_guard lock(mutex);
    if (of_generation != generation) return std::nullopt;
    ++http_total;
    ++bulk_total;
    max_in_flight = std::max(max_in_flight, ++in_flight);
    std::vector<SidecarBehaviour> behaviours;
    const size_t number = cleared + seen.size();
    std::set<LaneKey> lanes;
    for (auto& r : entries) {
      behaviours.push_back(behaviour_for(r));
      r.request = http_total;
      if (observer) observer(r);
      if (dump) dump_event("sidecar", r.topic, r.body);
      ++total;
      lanes.insert({r.topic, r.partition_key});
    }
    if (keep) {
      std::set<std::string> keys;
      for (const auto& lane : lanes) {
        const size_t now = ++in_flight_by_lane[lane];
        max_by_lane[lane] = std::max(max_by_lane[lane], now);
        max_per_lane = std::max(max_per_lane, now);
        if (keys.insert(lane.second).second) max_per_key = std::max(max_per_key, ++in_flight_by_key[lane.second]);
      }
      for (auto& r : entries) seen.push_back(std::move(r));
    }
    return std::pair{number, std::move(behaviours)};
  }

  // The bulk request is over: each entry's status (0: closed without an answer).
  void settle_bulk(size_t number, const std::vector<LaneKey>& entry_lanes, const std::vector<long>& statuses,
                   std::uint64_t of_generation) {
    std::lock_guard lock(mutex);
    if (of_generation != generation) return;
    --in_flight;
    if (!keep) {
      for (long s : statuses) total_delivered += s == 204;
      return;
    }
    std::set<LaneKey> lanes(entry_lanes.begin(), entry_lanes.end());
    std::set<std::string> keys;
    for (const auto& lane : lanes) {
      --in_flight_by_lane[lane];
      if (keys.insert(lane.second).second) --in_flight_by_key[lane.second];
    }
    for (size_t i = 0; i < statuses.size(); ++i)
      if (number + i >= cleared && number + i - cleared < seen.size())
        seen[number + i - cleared].answered = statuses[i];
  }

  // POST /v1.0/publish/bulk/{pubsub}/{topic}, answered as daprd 1.18.3 does (see the header).
  Reply on_bulk(const std::string& rest, const bhttp::request<bhttp::string_body>& request,
                std::uint64_t of_generation) {
    {
      std::lock_guard lock(mutex);
      if (!bulk_route) {
        ++http_total;
        return Reply{true, 404, "404 page not found\n", "text/plain; charset=utf-8"};
      }
    }
    std::string refused_code;
    long refused_status = 0;
    auto entries = parse_bulk(rest, request, refused_code, refused_status);
    if (refused_status != 0) {
      std::lock_guard lock(mutex);
      ++http_total;
      ++bulk_total;
      return daprd_error(refused_status, refused_code, "the bulk request could not be read");
    }
    std::vector<LaneKey> lanes;
    for (const auto& e : entries) lanes.emplace_back(e.topic, e.partition_key);
    std::vector<std::string> ids;
    for (const auto& e : entries) ids.push_back(e.entry_id);
    const auto admitted = admit_bulk(std::move(entries), of_generation);
    if (!admitted) return {false};
    const auto& [number, behaviours] = *admitted;
    bool close = false, hang = false;
    std::chrono::milliseconds delay{0};
    for (const auto& b : behaviours) {
      close = close || b.close;
      hang = hang || b.hang;
      delay = std::max(delay, b.delay);
    }
    if (close) {
      settle_bulk(number, lanes, std::vector<long>(lanes.size(), 0), of_generation);
      return {false};
    }
    if (hang || delay.count() > 0) {
      std::optional<Clock::time_point> until;
      if (!hang) until = Clock::now() + delay;
      if (!wait_for_answer_time(until, of_generation)) return {false};  // stopped meanwhile
    }
    // A failure that is not one entry's answers the whole request (the first such entry's).
    for (const auto& b : behaviours)
      if ((failing(b) && !entry_failure(b)) || !b.body.empty()) {
        settle_bulk(number, lanes, std::vector<long>(lanes.size(), b.status), of_generation);
        return reply_for(b);
      }
    std::vector<long> statuses;
    auto failed = nlohmann::json::array();
    for (size_t i = 0; i < behaviours.size(); ++i) {
      const bool fails = entry_failure(behaviours[i]);
      statuses.push_back(fails ? 500 : 204);
      if (fails) failed.push_back({{"entryId", ids[i]}, {"error", "told to answer 500"}});
    }
    settle_bulk(number, lanes, statuses, of_generation);
    if (failed.empty()) return {};
    return Reply{true, 500,
                 nlohmann::json{{"failedEntries", failed}, {"errorCode", "ERR_PUBSUB_PUBLISH_MESSAGE"}}.dump(),
                 "application/json"};
  }

  // Waits until `until` (true) or until the server generation ends (false).
  bool wait_for_answer_time(std::optional<Clock::time_point> until, std::uint64_t of_generation) {
    std::unique_lock lock(mutex);
    auto gone = [&] { return generation != of_generation; };
    if (!until) {
      wake.wait(lock, gone);
      return false;
    }
    return !wake.wait_until(lock, *until, gone);
  }

  Reply on_request(const bhttp::request<bhttp::string_body>& request, std::uint64_t of_generation) {
    const std::string target(request.target());
    const auto q = target.find('?');
    const std::string path = target.substr(0, q), query = q == std::string::npos ? "" : target.substr(q + 1);
    const std::string prefix = "/v1.0/publish/", bulk_prefix = "/v1.0/publish/bulk/";
    if (path.rfind(bulk_prefix, 0) == 0) return on_bulk(path.substr(bulk_prefix.size()), request, of_generation);
    if (path.rfind(prefix, 0) != 0) return {};  // healthz and the like: 204
    auto r = parse_publish(path.substr(prefix.size()), query, request);
    const LaneKey lane{r.topic, r.partition_key};
    const auto admitted = admit(std::move(r), of_generation);
    if (!admitted) return {false};
    const auto& [number, b] = *admitted;
    if (b.close) {
      settle(number, lane, 0, of_generation);
      return {false};
    }
    if (b.hang || b.delay.count() > 0) {
      std::optional<Clock::time_point> until;
      if (!b.hang) until = Clock::now() + b.delay;
      if (!wait_for_answer_time(until, of_generation)) return {false};  // stopped meanwhile
    }
    settle(number, lane, b.status, of_generation);
    return reply_for(b);
  }

  // One connection: requests one after another (HTTP/1.1 keep-alive), until the client closes,
  // a behaviour closes it or stop() shuts it down.
  void serve(tcp::socket& socket, std::uint64_t of_generation) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      boost::system::error_code ec;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(64 * 1024);
      parser.body_limit(1024 * 1024);
      bhttp::read_header(socket, buffer, parser, ec);
      if (ec) return;
      if (boost::beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, parser.get().version()};
        bhttp::write(socket, go_on, ec);
        if (ec) return;
      }
      bhttp::read(socket, buffer, parser, ec);
      if (ec) return;
      const auto request = parser.release();
      const Reply reply = on_request(request, of_generation);
      if (!reply.send) return;
      bhttp::response<bhttp::string_body> response;
      response.version(request.version());
      response.result(static_cast<unsigned>(reply.status));
      if (!reply.content_type.empty()) response.set(bhttp::field::content_type, reply.content_type);
      response.body() = reply.body;
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      bhttp::write(socket, response, ec);
      if (ec || !response.keep_alive()) return;
    }
  }

  void reap_finished_connections() {
    std::lock_guard lock(connections_mutex);
    for (auto it = connections.begin(); it != connections.end();) {
      if (!it->done) {
        ++it;
        continue;
      }
      it->thread.join();
      it = connections.erase(it);
    }
  }

  void accept_loop(std::uint64_t of_generation) {
    while (accepting) {
      pollfd pfd{acceptor->native_handle(), POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      const int fd = ::accept4(acceptor->native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      boost::system::error_code ec;
      auto socket = std::make_unique<tcp::socket>(io);
      socket->assign(tcp::v4(), fd, ec);
      if (ec) {
        ::close(fd);
        continue;
      }
      socket->set_option(tcp::no_delay(true), ec);
      reap_finished_connections();
      std::lock_guard lock(connections_mutex);
      auto& c = connections.emplace_back();
      c.socket = std::move(socket);
      c.thread = std::thread([this, &c, of_generation] {
        serve(*c.socket, of_generation);
        // Closed under the lock so that stop() never shuts down a descriptor reused meanwhile.
        std::lock_guard closing(connections_mutex);
        boost::system::error_code ignored;
        c.socket->shutdown(tcp::socket::shutdown_both, ignored);
        c.socket->close(ignored);
        c.done = true;
      });
    }
  }

  void start() {
    std::lock_guard lock(serving_mutex);
    if (acceptor) return;
    // Close-on-exec: a taskd forked from this process must not inherit the listening socket (it
    // would keep the port accepting into its backlog while this sidecar is stopped).
    auto a = std::make_unique<tcp::acceptor>(io);
    const tcp::endpoint at(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw boost::system::system_error(errno, boost::system::system_category(), "socket");
    a->assign(at.protocol(), fd);
    a->set_option(tcp::acceptor::reuse_address(true));
    a->bind(at);
    a->listen(1024);
    acceptor = std::move(a);
    std::uint64_t of_generation;
    {
      std::lock_guard records(mutex);
      of_generation = generation;
    }
    accepting = true;
    accept_thread = std::thread([this, of_generation] { accept_loop(of_generation); });
  }

  void stop() {
    std::lock_guard lock(serving_mutex);
    if (!acceptor) return;
    accepting = false;
    accept_thread.join();
    acceptor->close();
    acceptor.reset();
    {
      // Unanswered requests die with the server, unanswered (as a crashed sidecar's would); they
      // no longer count as in flight.
      std::lock_guard records(mutex);
      ++generation;
      in_flight = 0;
      in_flight_by_key.clear();
      in_flight_by_lane.clear();
      wake.notify_all();
    }
    {
      std::lock_guard conns(connections_mutex);
      for (auto& c : connections) {
        boost::system::error_code ignored;
        if (c.socket->is_open()) c.socket->shutdown(tcp::socket::shutdown_both, ignored);
      }
    }
    std::list<Connection> ending;
    {
      std::lock_guard conns(connections_mutex);
      ending.splice(ending.end(), connections);
    }
    for (auto& c : ending) c.thread.join();
  }
};

RecordingSidecar::RecordingSidecar(int port) : impl_(std::make_shared<Impl>()) {
  impl_->port = port ? port : free_port();
  start();
}

RecordingSidecar::~RecordingSidecar() {
  stop();
}

int RecordingSidecar::port() const {
  return impl_->port;
}

void RecordingSidecar::behave(const std::string& topic, SidecarBehaviour behaviour) {
  std::lock_guard lock(impl_->mutex);
  impl_->by_topic[topic] = std::move(behaviour);
}

void RecordingSidecar::behave_for_key(const std::string& topic, const std::string& partition_key,
                                      SidecarBehaviour behaviour) {
  std::lock_guard lock(impl_->mutex);
  impl_->by_key[{topic, partition_key}] = std::move(behaviour);
}

void RecordingSidecar::behave_for_event(const std::string& event_id, SidecarBehaviour behaviour) {
  std::lock_guard lock(impl_->mutex);
  impl_->by_event[event_id] = std::move(behaviour);
}

void RecordingSidecar::forget_overrides() {
  std::lock_guard lock(impl_->mutex);
  impl_->by_key.clear();
  impl_->by_event.clear();
}

void RecordingSidecar::serve_bulk(bool serve) {
  std::lock_guard lock(impl_->mutex);
  impl_->bulk_route = serve;
}

void RecordingSidecar::start() {
  impl_->start();
}

void RecordingSidecar::stop() {
  impl_->stop();
}

std::vector<RecordedPublish> RecordingSidecar::requests(const std::string& topic) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<RecordedPublish> out;
  for (const auto& r : impl_->seen)
    if (topic.empty() || r.topic == topic) out.push_back(r);
  return out;
}

std::vector<RecordedPublish> RecordingSidecar::delivered(const std::string& topic) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<RecordedPublish> out;
  for (const auto& r : impl_->seen)
    if (r.answered == 204 && (topic.empty() || r.topic == topic)) out.push_back(r);
  return out;
}

size_t RecordingSidecar::delivered_count(const std::string& topic) const {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->keep) return impl_->total_delivered;
  size_t n = 0;
  for (const auto& r : impl_->seen) n += r.answered == 204 && (topic.empty() || r.topic == topic);
  return n;
}

void RecordingSidecar::dump_events(bool dump) {
  std::lock_guard lock(impl_->mutex);
  impl_->dump = dump;
}

void RecordingSidecar::keep_requests(bool keep) {
  std::lock_guard lock(impl_->mutex);
  impl_->keep = keep;
}

void RecordingSidecar::observe(std::function<void(const RecordedPublish&)> observer) {
  std::lock_guard lock(impl_->mutex);
  impl_->observer = std::move(observer);
}

size_t RecordingSidecar::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->total;
}

size_t RecordingSidecar::http_request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->http_total;
}

size_t RecordingSidecar::bulk_request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->bulk_total;
}

size_t RecordingSidecar::max_in_flight() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_in_flight;
}

size_t RecordingSidecar::max_in_flight_per_key() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_per_key;
}

size_t RecordingSidecar::max_in_flight_for(const std::string& topic, const std::string& partition_key) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->max_by_lane.find({topic, partition_key});
  return it == impl_->max_by_lane.end() ? 0 : it->second;
}

size_t RecordingSidecar::max_in_flight_per_lane() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_per_lane;
}

void RecordingSidecar::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->cleared += impl_->seen.size();
  impl_->seen.clear();
}

}  // namespace tasks::testing
