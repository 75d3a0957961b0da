#include "tests/support/recording_sidecar.hpp"

#include <condition_variable>
#include <mutex>
#include <queue>
#include <thread>

#include "http/request_meta.hpp"
#include "http/server.hpp"
#include "tests/support/http_client.hpp"

namespace tasks::testing {

namespace {

using ExchangePtr = std::shared_ptr<http::Exchange>;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

struct RecordingSidecar::Impl : std::enable_shared_from_this<RecordingSidecar::Impl> {
  int port = 0;
  mutable std::mutex mutex;
  std::map<std::string, SidecarBehaviour> behaviours;
  std::vector<RecordedPublish> seen;
  size_t in_flight = 0, max_in_flight = 0, max_per_key = 0;
  bool keep = true;
  size_t total = 0, total_delivered = 0;
  std::map<std::string, size_t> in_flight_by_key;
  std::unique_ptr<http::Server> server;

  // Answers that wait: (when, sequence) -> writer and record.
  struct Delayed {
    std::chrono::steady_clock::time_point due;
    ExchangePtr writer;
    size_t index;
    long status;
    bool operator>(const Delayed& o) const { return due > o.due; }
  };
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed;
  std::vector<ExchangePtr> hung;
  std::condition_variable wake;
  bool stopping = false;
  std::thread timer;

  SidecarBehaviour behaviour_for(const std::string& topic) {
    if (auto it = behaviours.find(topic); it != behaviours.end()) return it->second;
    if (auto it = behaviours.find(""); it != behaviours.end()) return it->second;
    return {};
  }

  void answer(http::Exchange& writer, size_t index, long status) {
    {
      std::lock_guard lock(mutex);
      if (!keep) {
        --in_flight;
        total_delivered += status == 204;
      } else if (index < seen.size()) {
        seen[index].answered = status;
        --in_flight;
        --in_flight_by_key[seen[index].partition_key];
      }
    }
    if (status == 204) {
      writer.send(204, "", "");
    } else {
      writer.send_json(static_cast<int>(status),
                       R"({"errorCode":"ERR_TEST","message":"told to answer )" + std::to_string(status) + "\"}");
    }
  }

  void on_request(http::Request& request, ExchangePtr response) {
    const std::string resource = request.path;
    const std::string prefix = "/v1.0/publish/";
    if (resource.rfind(prefix, 0) != 0) {
      response->send(204, "", "");  // healthz and the like
      return;
    }
    RecordedPublish r;
    const std::string rest = resource.substr(prefix.size());
    r.pubsub = url_decode(rest.substr(0, rest.find('/')));
    r.topic = url_decode(rest.substr(rest.find('/') + 1));
    if (auto params = http::query_parameters(request.query)) {
      if (auto it = params->find("metadata.partitionKey"); it != params->end()) r.partition_key = it->second;
    }
    for (const auto& [name, value] : request.fields) r.headers[lower(name)] = value;
    r.body = std::move(request.body);
    r.event = nlohmann::json::parse(r.body, nullptr, false);
    if (r.event.is_discarded()) r.event = nullptr;
    size_t index;
    SidecarBehaviour b;
    {
      std::lock_guard lock(mutex);
      b = behaviour_for(r.topic);
      ++total;
      index = seen.size();
      max_in_flight = std::max(max_in_flight, ++in_flight);
      if (keep) {
        max_per_key = std::max(max_per_key, ++in_flight_by_key[r.partition_key]);
        seen.push_back(std::move(r));
      }
    }
    if (b.hang) {
      std::lock_guard lock(mutex);
      hung.push_back(std::move(response));
      return;
    }
    if (b.delay.count() > 0) {
      std::lock_guard lock(mutex);
      delayed.push({std::chrono::steady_clock::now() + b.delay, std::move(response), index, b.status});
      wake.notify_all();
      return;
    }
    answer(*response, index, b.status);
  }

  void run_timer() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      if (delayed.empty()) {
        wake.wait(lock);
        continue;
      }
      auto next = delayed.top();
      if (std::chrono::steady_clock::now() < next.due) {
        wake.wait_until(lock, next.due);
        continue;
      }
      delayed.pop();
      lock.unlock();
      answer(*next.writer, next.index, next.status);
      lock.lock();
    }
  }
};

namespace {

class Handler : public http::Handler {
 public:
  explicit Handler(std::weak_ptr<RecordingSidecar::Impl> impl) : impl_(std::move(impl)) {}
  void handle(http::Request request, ExchangePtr response) override {
    if (auto impl = impl_.lock()) impl->on_request(request, std::move(response));
  }

 private:
  std::weak_ptr<RecordingSidecar::Impl> impl_;
};

}  // namespace

RecordingSidecar::RecordingSidecar(int port) : impl_(std::make_shared<Impl>()) {
  impl_->port = port ? port : free_port();
  impl_->timer = std::thread([impl = impl_.get()] { impl->run_timer(); });
  start();
}

RecordingSidecar::~RecordingSidecar() {
  stop();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->wake.notify_all();
  }
  impl_->timer.join();
}

int RecordingSidecar::port() const {
  return impl_->port;
}

void RecordingSidecar::behave(const std::string& topic, SidecarBehaviour behaviour) {
  std::lock_guard lock(impl_->mutex);
  impl_->behaviours[topic] = behaviour;
}

void RecordingSidecar::start() {
  if (impl_->server) return;
  http::ServerOptions options;
  options.address = HostPort{"127.0.0.1", static_cast<unsigned short>(impl_->port)};
  options.threads = 2;
  options.limits.max_body_bytes = 1024 * 1024;
  impl_->server =
      std::make_unique<http::Server>(options, std::make_shared<Handler>(impl_), std::make_shared<http::ServerState>());
  impl_->server->start("sidecar port");
}

void RecordingSidecar::stop() {
  if (!impl_->server) return;
  {
    // Unanswered requests die with the server, unanswered (as a crashed sidecar's would); they
    // no longer count as in flight.
    std::lock_guard lock(impl_->mutex);
    for (auto& e : impl_->hung) e->abandon();
    impl_->hung.clear();
    while (!impl_->delayed.empty()) {
      impl_->delayed.top().writer->abandon();
      impl_->delayed.pop();
    }
    impl_->in_flight = 0;
    impl_->in_flight_by_key.clear();
  }
  impl_->server->shutdown();
  impl_->server.reset();
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

void RecordingSidecar::keep_requests(bool keep) {
  std::lock_guard lock(impl_->mutex);
  impl_->keep = keep;
}

size_t RecordingSidecar::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->total;
}

size_t RecordingSidecar::max_in_flight() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_in_flight;
}

size_t RecordingSidecar::max_in_flight_per_key() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_per_key;
}

void RecordingSidecar::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->seen.clear();
}

}  // namespace tasks::testing
