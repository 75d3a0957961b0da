#include "events/dapr_client.hpp"

#include "events/failure_model.hpp"

#include <curl/curl.h>
#include <mutex>

namespace tasks {

namespace {

size_t keep_body(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() < 2048) body->append(data, std::min(size * n, 2048 - body->size()));
  return size * n;
}

std::string escape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

// One lane in flight: which row is on the wire and what came back.
struct Transfer {
  const Lane* lane = nullptr;
  size_t next = 0;  // index of the row on the wire
  LaneOutcome* outcome = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string url, body;
};

Transport transport_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return Transport::connect;
    case CURLE_OPERATION_TIMEDOUT: return Transport::timeout;
    default: return Transport::other;
  }
}

}  // namespace

void init_http_client_library() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct DaprClient::Impl {
  DaprTarget target;
  CURLM* multi = nullptr;
  CURL* helper = nullptr;   // for URL escaping
  std::vector<CURL*> idle;  // reusable handles: their connections stay alive
  std::string base_url;

  CURL* take() {
    if (!idle.empty()) {
      CURL* c = idle.back();
      idle.pop_back();
      return c;
    }
    return curl_easy_init();
  }

  void start(Transfer& t) {
    const OutboxRow& row = t.lane->rows[t.next];
    curl_easy_reset(t.easy);
    t.url = base_url + escape(helper, row.event.partition_key);
    t.body.clear();
    curl_slist_free_all(t.headers);
    t.headers = curl_slist_append(nullptr, "Content-Type: application/cloudevents+json");
    t.headers = curl_slist_append(t.headers, "Expect:");
    if (!target.api_token.empty())
      t.headers = curl_slist_append(t.headers, ("dapr-api-token: " + target.api_token).c_str());
    if (!row.event.traceparent.empty())
      t.headers = curl_slist_append(t.headers, ("traceparent: " + row.event.traceparent).c_str());
    curl_easy_setopt(t.easy, CURLOPT_URL, t.url.c_str());
    curl_easy_setopt(t.easy, CURLOPT_POST, 1L);
    curl_easy_setopt(t.easy, CURLOPT_POSTFIELDS, row.event.payload.data());
    curl_easy_setopt(t.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(row.event.payload.size()));
    curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t.easy, CURLOPT_TIMEOUT_MS, static_cast<long>(target.timeout.count()));
    curl_easy_setopt(t.easy, CURLOPT_CONNECTTIMEOUT_MS,
                     std::min<long>(static_cast<long>(target.timeout.count()), 2000L));
    curl_easy_setopt(t.easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t.body);
    curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
    curl_multi_add_handle(multi, t.easy);
  }
};

DaprClient::DaprClient(DaprTarget target) : impl_(std::make_unique<Impl>()) {
  init_http_client_library();
  impl_->target = std::move(target);
  impl_->multi = curl_multi_init();
  impl_->helper = curl_easy_init();
  const auto& t = impl_->target;
  impl_->base_url = t.endpoint + "/v1.0/publish/" + escape(impl_->helper, t.pubsub) + "/" +
                    escape(impl_->helper, t.topic) + "?metadata.partitionKey=";
}

DaprClient::~DaprClient() {
  for (CURL* c : impl_->idle) curl_easy_cleanup(c);
  curl_easy_cleanup(impl_->helper);
  curl_multi_cleanup(impl_->multi);
}

std::string DaprClient::url_for(const std::string& partition_key) const {
  return impl_->base_url + escape(impl_->helper, partition_key);
}

std::vector<LaneOutcome> DaprClient::deliver(const std::vector<Lane>& lanes,
                                             std::chrono::steady_clock::time_point deadline) {
  auto& im = *impl_;
  std::vector<LaneOutcome> outcomes(lanes.size());
  std::vector<Transfer> transfers(lanes.size());
  int active = 0;
  for (size_t i = 0; i < lanes.size(); ++i) {
    if (lanes[i].rows.empty()) continue;
    if (std::chrono::steady_clock::now() >= deadline) break;  // e.g. the rows' lease has ended
    transfers[i].lane = &lanes[i];
    transfers[i].outcome = &outcomes[i];
    transfers[i].easy = im.take();
    im.start(transfers[i]);
    ++active;
  }
  auto finish = [&](Transfer& t, AttemptResult result) {
    curl_multi_remove_handle(im.multi, t.easy);
    const bool delivered = is_delivered(result);
    t.outcome->attempts.emplace_back(t.lane->rows[t.next].id, std::move(result));
    // A lane goes on only after a delivery; any failure stops it to keep the user's order.
    // Past the deadline nothing new starts (what is on the wire may still finish).
    if (delivered && ++t.next < t.lane->rows.size() && std::chrono::steady_clock::now() < deadline) {
      im.start(t);
      return;
    }
    --active;
  };
  while (active > 0) {
    int running = 0;
    curl_multi_perform(im.multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(im.multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      AttemptResult result;
      if (msg->data.result == CURLE_OK) {
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &result.http_status);
        result.body = t->body;
      } else {
        result.transport_error = curl_easy_strerror(msg->data.result);
        result.transport = transport_of(msg->data.result);
      }
      finish(*t, std::move(result));
    }
    if (active == 0) break;
    curl_multi_poll(im.multi, nullptr, 0, 50, nullptr);
  }
  for (auto& t : transfers) {
    if (!t.easy) continue;
    curl_slist_free_all(t.headers);
    im.idle.push_back(t.easy);
  }
  return outcomes;
}

}  // namespace tasks
