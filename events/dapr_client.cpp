#include "events/dapr_client.hpp"

#include "core/log.hpp"
#include "events/failure_model.hpp"

#include <curl/curl.h>
#include <mutex>

namespace tasks {

namespace {

// One lane in flight: which rows are on the wire and what came back.
struct Transfer {
  const Lane* lane = nullptr;
  size_t lane_index = 0;
  size_t next = 0;         // the first row of the request on the wire
  size_t entries = 0;      // rows in the bulk request on the wire; 0: a single publish of row `next`
  size_t single_left = 0;  // rows to send one at a time before going back to bulk
  LaneOutcome* outcome = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string url, request, body;
  size_t keep = 2048;  // of the answer's body: all of a bulk answer's failedEntries, the start of others
};

size_t keep_body(char* data, size_t size, size_t n, void* out) {
  auto* t = static_cast<Transfer*>(out);
  if (t->body.size() < t->keep) t->body.append(data, std::min(size * n, t->keep - t->body.size()));
  return size * n;
}

std::string escape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

// The rows' common traceparent, for the request's header ("" when they differ or have none).
// daprd uses the header only for events without a traceid, and ours carry their own.
std::string shared_traceparent(const Lane& lane, size_t first, size_t count) {
  const std::string& tp = lane.rows[first].event.traceparent;
  for (size_t i = first + 1; i < first + count; ++i)
    if (lane.rows[i].event.traceparent != tp) return "";
  return tp;
}

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
  std::string base_url, bulk_url;
  bool bulk = true;                          // until the sidecar refuses the bulk route
  const std::vector<Lane>* lanes = nullptr;  // of the deliver() running
  Delivery* delivery = nullptr;

  CURL* take() {
    if (!idle.empty()) {
      CURL* c = idle.back();
      idle.pop_back();
      return c;
    }
    CURL* c = curl_easy_init();
    // What every request of the handle shares, set once (a reset and these again per request
    // were a tenth of a request's cost).
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(target.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min<long>(static_cast<long>(target.timeout.count()), 2000L));
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
    // The sidecar is next to us: an http_proxy in the pod's environment must not carry its
    // traffic (and curl would read the environment for it on every request).
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    return c;
  }

  void start(Transfer& t) {
    t.body.clear();
    curl_slist_free_all(t.headers);
    t.headers = curl_slist_append(nullptr, "Expect:");
    if (!target.api_token.empty())
      t.headers = curl_slist_append(t.headers, ("dapr-api-token: " + target.api_token).c_str());
    t.entries = bulk && t.single_left == 0 ? bulk_part_size(*t.lane, t.next, target.bulk_max_bytes) : 0;
    std::string traceparent;
    if (t.entries > 0) {
      t.url = bulk_url;
      t.request = bulk_body(*lanes, {BulkPart{t.lane_index, t.next, t.entries}});
      t.keep = 256 * 1024;
      t.headers = curl_slist_append(t.headers, "Content-Type: application/json");
      traceparent = shared_traceparent(*t.lane, t.next, t.entries);
      ++delivery->bulk_requests;
    } else {
      const OutboxRow& row = t.lane->rows[t.next];
      t.url = base_url + escape(helper, row.event.partition_key);
      t.request.clear();
      t.keep = 2048;
      t.headers = curl_slist_append(t.headers, "Content-Type: application/cloudevents+json");
      traceparent = row.event.traceparent;
    }
    ++delivery->requests;
    if (!traceparent.empty()) t.headers = curl_slist_append(t.headers, ("traceparent: " + traceparent).c_str());
    const std::string& body = t.entries > 0 ? t.request : t.lane->rows[t.next].event.payload;
    curl_easy_setopt(t.easy, CURLOPT_URL, t.url.c_str());
    curl_easy_setopt(t.easy, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(t.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
    curl_multi_add_handle(multi, t.easy);
  }

  // The sidecar has no bulk route: single publish from now on, said once.
  void give_up_bulk(const AttemptResult& answer) {
    if (!bulk) return;
    bulk = false;
    log::warn("publisher switches to single publish: the sidecar refused the bulk publish route",
              {{"topic", target.topic}, {"http_status", answer.http_status}, {"error", describe(answer)}});
  }

  // A bulk answer came: true when the lane goes on with another request.
  bool after_bulk(Transfer& t, AttemptResult result, bool in_time) {
    if (bulk_route_refused(result)) {
      give_up_bulk(result);
      return in_time;  // the same rows again, by single publish
    }
    if (bulk_answer_needs_single(result, t.entries)) {
      t.single_left = t.entries;
      return in_time;
    }
    auto answer = read_bulk_answer(*lanes, {BulkPart{t.lane_index, t.next, t.entries}}, result);
    delivery->reorder_risks += answer.reorder_risks;
    auto& attempts = answer.parts.front().attempts;
    const bool all = attempts.size() == t.entries && is_delivered(attempts.back().second);
    for (auto& a : attempts) t.outcome->attempts.push_back(std::move(a));
    t.next += t.entries;
    return all && t.next < t.lane->rows.size() && in_time;
  }

  // A single publish's answer came: true when the lane goes on.
  bool after_single(Transfer& t, AttemptResult result, bool in_time) {
    const bool delivered = is_delivered(result);
    t.outcome->attempts.emplace_back(t.lane->rows[t.next].id, std::move(result));
    if (!delivered) return false;
    if (t.single_left > 0) --t.single_left;
    return ++t.next < t.lane->rows.size() && in_time;
  }
};

DaprClient::DaprClient(DaprTarget target) : impl_(std::make_unique<Impl>()) {
  init_http_client_library();
  impl_->target = std::move(target);
  impl_->multi = curl_multi_init();
  impl_->helper = curl_easy_init();
  const auto& t = impl_->target;
  const std::string path = escape(impl_->helper, t.pubsub) + "/" + escape(impl_->helper, t.topic);
  impl_->base_url = t.endpoint + "/v1.0/publish/" + path + "?metadata.partitionKey=";
  // No request-level metadata.partitionKey: for Kafka it would overwrite every entry's key.
  impl_->bulk_url = t.endpoint + "/v1.0/publish/bulk/" + path;
  impl_->bulk = t.bulk;
}

DaprClient::~DaprClient() {
  for (CURL* c : impl_->idle) curl_easy_cleanup(c);
  curl_easy_cleanup(impl_->helper);
  curl_multi_cleanup(impl_->multi);
}

std::string DaprClient::url_for(const std::string& partition_key) const {
  return impl_->base_url + escape(impl_->helper, partition_key);
}

bool DaprClient::bulk() const {
  return impl_->bulk;
}

Delivery DaprClient::deliver(const std::vector<Lane>& lanes, std::chrono::steady_clock::time_point deadline) {
  auto& im = *impl_;
  Delivery delivery;
  delivery.lanes.resize(lanes.size());
  im.lanes = &lanes;
  im.delivery = &delivery;
  std::vector<Transfer> transfers(lanes.size());
  int active = 0;
  for (size_t i = 0; i < lanes.size(); ++i) {
    if (lanes[i].rows.empty()) continue;
    if (std::chrono::steady_clock::now() >= deadline) break;  // e.g. the rows' lease has ended
    transfers[i].lane = &lanes[i];
    transfers[i].lane_index = i;
    transfers[i].outcome = &delivery.lanes[i];
    transfers[i].easy = im.take();
    im.start(transfers[i]);
    ++active;
  }
  auto finish = [&](Transfer& t, AttemptResult result) {
    curl_multi_remove_handle(im.multi, t.easy);
    // A lane goes on only after a delivery; any failure stops it to keep the user's order.
    // Past the deadline nothing new starts (what is on the wire may still finish).
    const bool in_time = std::chrono::steady_clock::now() < deadline;
    const bool go_on =
        t.entries > 0 ? im.after_bulk(t, std::move(result), in_time) : im.after_single(t, std::move(result), in_time);
    if (go_on) return im.start(t);
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
  im.lanes = nullptr;
  im.delivery = nullptr;
  return delivery;
}

}  // namespace tasks
