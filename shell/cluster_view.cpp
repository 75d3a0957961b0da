#include "shell/cluster_view.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "core/time.hpp"

namespace tasks::shell {

using nlohmann::json;

namespace {

constexpr std::string_view self_marker = "*";

std::optional<long long> instant_of(const json& object, std::string_view key) {
  const std::string text = text_of(object, key);
  if (text.empty()) return std::nullopt;
  return parse_rfc3339(text);
}

// The cell for a moment: relative to now, or as it came when it is not RFC 3339.
std::string moment_text(const json& object, std::string_view key, long long now_ms) {
  if (const auto at = instant_of(object, key)) return relative_time(*at, now_ms);
  return text_of(object, key);
}

bool has_number(const json& object, std::string_view key) {
  if (!object.is_object()) return false;
  const auto it = object.find(key);
  return it != object.end() && it->is_number();
}

bool is_true(const json& object, std::string_view key) {
  if (!object.is_object()) return false;
  const auto it = object.find(key);
  return it != object.end() && *it == true;
}

// The service's clock when it says what it is, else the shell's.
long long clock_of(const json& answer, long long now_ms) {
  return instant_of(answer, "now").value_or(now_ms);
}

// A setting in milliseconds as a duration; one that is not a number as it came ("?" if absent).
std::string duration_setting(const json& answer, std::string_view key) {
  if (has_number(answer, key)) return format_duration_ms(number_of(answer, key));
  const std::string text = text_of(answer, key);
  return text.empty() ? "?" : text;
}

// "seen from r1 (*): 256 buckets; lease 10.0s, renewed every 3.0s, takeover grace 7.0s".
std::string settings_line(const json& answer) {
  const std::string self = text_of(answer, "self");
  const std::string count = text_of(answer, "bucket_count");
  return "seen from " + (self.empty() ? std::string("?") : self) + " (" + std::string(self_marker) +
         "): " + (count.empty() ? std::string("?") : count) + " buckets; lease " +
         duration_setting(answer, "lease_duration_ms") + ", renewed every " +
         duration_setting(answer, "renew_interval_ms") + ", takeover grace " +
         duration_setting(answer, "takeover_grace_ms");
}

// The bucket entries that have a number, by number.
std::vector<json> buckets_by_number(const json& answer) {
  std::vector<json> out;
  for (const auto& b : array_member(answer, "buckets"))
    if (has_number(b, "bucket")) out.push_back(b);
  std::stable_sort(out.begin(), out.end(),
                   [](const json& a, const json& b) { return number_of(a, "bucket") < number_of(b, "bucket"); });
  return out;
}

View replicas_view(const json& answer, long long now) {
  View view;
  view.lead.push_back(settings_line(answer));
  view.table.columns = {left(""),         left("REPLICA"),    left("HOST"),    right("PID"),           left("LIVE"),
                        right("BUCKETS"), right("DELIVERED"), right("FAILED"), right("DEAD-LETTERED"), left("STARTED"),
                        right("RENEWED")};
  std::vector<json> replicas;
  for (const auto& r : array_member(answer, "replicas"))
    if (r.is_object()) replicas.push_back(r);
  std::stable_sort(replicas.begin(), replicas.end(),
                   [](const json& a, const json& b) { return text_of(a, "replica_id") < text_of(b, "replica_id"); });
  const std::string self = text_of(answer, "self");
  for (const auto& r : replicas) {
    const std::string id = text_of(r, "replica_id");
    const bool live = is_true(r, "live");
    const json& counters = r.contains("counters") ? r["counters"] : json();
    view.table.rows.push_back(
        {!self.empty() && id == self ? std::string(self_marker) : "", id, text_of(r, "host"), text_of(r, "pid"),
         live ? "yes" : "NO", text_of(r, "buckets"), text_of(counters, "delivered"), text_of(counters, "failed"),
         text_of(counters, "dead_lettered"), text_of(r, "started_at"), moment_text(r, "renewed_at", now)});
    // A replica that stopped renewing still owns its leases until they expire: say so.
    if (!live)
      view.notes.push_back(id + " is NOT LIVE (last renewal " + moment_text(r, "renewed_at", now) +
                           "): the others take its buckets once their leases expire and the takeover grace passes");
  }
  if (view.table.rows.empty()) view.notes.push_back("no replicas");
  return view;
}

// One owner's held buckets, gathered.
struct Holding {
  std::vector<long long> buckets;
  long long min_epoch = 0, max_epoch = 0;
  std::optional<long long> earliest_expiry;
  std::string earliest_expiry_text;  // as it came, when no expiry could be read
};

std::string epoch_text(const Holding& h) {
  return h.min_epoch == h.max_epoch ? std::to_string(h.min_epoch)
                                    : std::to_string(h.min_epoch) + "-" + std::to_string(h.max_epoch);
}

View owners_view(const json& answer, long long now) {
  View view;
  std::map<std::string, Holding> held;                       // by owner
  std::map<std::string, std::vector<long long>> not_held;    // by state: expired, released, ...
  std::map<std::string, std::vector<std::string>> formerly;  // their last owners, by state
  for (const auto& b : buckets_by_number(answer)) {
    const long long bucket = number_of(b, "bucket");
    const std::string owner = text_of(b, "replica_id"), state = text_of(b, "state");
    if (state != "held" || owner.empty()) {
      const std::string kind = state.empty() || state == "held" ? "unowned" : state;
      not_held[kind].push_back(bucket);
      auto& names = formerly[kind];
      if (!owner.empty() && std::find(names.begin(), names.end(), owner) == names.end()) names.push_back(owner);
      continue;
    }
    Holding& h = held[owner];
    const long long epoch = number_of(b, "epoch");
    h.min_epoch = h.buckets.empty() ? epoch : std::min(h.min_epoch, epoch);
    h.max_epoch = h.buckets.empty() ? epoch : std::max(h.max_epoch, epoch);
    h.buckets.push_back(bucket);
    if (const auto expiry = instant_of(b, "expires_at")) {
      if (!h.earliest_expiry || *expiry < *h.earliest_expiry) h.earliest_expiry = expiry;
    } else if (h.earliest_expiry_text.empty()) {
      h.earliest_expiry_text = text_of(b, "expires_at");
    }
  }
  if (!held.empty()) {
    view.table.columns = {left("OWNER"), right("BUCKETS"), left("RANGES", 60), right("EPOCH"),
                          right("EARLIEST EXPIRY")};
    for (const auto& [owner, h] : held)
      view.table.rows.push_back({owner, std::to_string(h.buckets.size()), bucket_ranges(h.buckets), epoch_text(h),
                                 h.earliest_expiry ? relative_time(*h.earliest_expiry, now) : h.earliest_expiry_text});
  }
  for (const auto& [kind, buckets] : not_held) {
    std::string line = kind + ": " + bucket_ranges(buckets) + " (" + std::to_string(buckets.size()) + " bucket" +
                       (buckets.size() == 1 ? "" : "s");
    const auto& names = formerly[kind];
    for (size_t i = 0; i < names.size(); ++i) line += (i == 0 ? ", last held by " : ", ") + names[i];
    view.notes.push_back(line + "): no replica publishes for their users now");
  }
  if (held.empty() && not_held.empty()) view.notes.push_back("no bucket leases");
  return view;
}

}  // namespace

ClusterView cluster_view(const json& answer, long long now_ms) {
  const long long now = clock_of(answer, now_ms);
  return {replicas_view(answer, now), owners_view(answer, now)};
}

std::string render(const ClusterView& view) {
  return render(view.replicas) + "\n" + render(view.buckets);
}

View cluster_buckets_view(const json& answer, long long now_ms) {
  const long long now = clock_of(answer, now_ms);
  View view;
  view.lead.push_back(settings_line(answer));
  const auto buckets = buckets_by_number(answer);
  if (buckets.empty()) {
    view.notes.push_back("no bucket leases");
    return view;
  }
  view.table.columns = {right("BUCKET"), left("OWNER"),      right("EPOCH"),
                        left("STATE"),   left("EXPIRES AT"), right("EXPIRES")};
  for (const auto& b : buckets)
    view.table.rows.push_back({text_of(b, "bucket"), text_of(b, "replica_id"), text_of(b, "epoch"), text_of(b, "state"),
                               text_of(b, "expires_at"), moment_text(b, "expires_at", now)});
  return view;
}

std::string bucket_ranges(std::vector<long long> buckets) {
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  std::string out;
  for (size_t i = 0; i < buckets.size();) {
    size_t j = i;
    while (j + 1 < buckets.size() && buckets[j + 1] == buckets[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(buckets[i]);
    if (j > i) out += "-" + std::to_string(buckets[j]);
    i = j + 1;
  }
  return out;
}

std::string relative_time(long long at_ms, long long now_ms) {
  if (at_ms == now_ms) return "now";
  return at_ms > now_ms ? "in " + format_duration_ms(at_ms - now_ms) : format_duration_ms(now_ms - at_ms) + " ago";
}

}  // namespace tasks::shell
