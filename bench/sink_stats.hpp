#pragma once

// What bench-sink derives from the publishes it sees: the latency from each event's `time` (the
// moment of the change, taken just before its commit) to its arrival here, and, when asked, how
// many distinct events and commits arrived and how many were sent again. Fed by the recording
// sidecar's observer, whose calls never overlap: no lock here.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/time.hpp"
#include "tests/support/recording_sidecar.hpp"

namespace tasks::bench {

class SinkStats {
 public:
  // `count_ids`: keep every event id and (user, sequence) pair, so memory grows with the events
  // seen (about 100 bytes each): for runs of some 100 k events, not the 10 M-row backlog.
  explicit SinkStats(bool count_ids) : count_ids_(count_ids), histogram_(buckets, 0) {}

  void add(const tasks::testing::RecordedPublish& r) {
    const double arrived_ms =
        std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (!r.event.is_object()) return;
    if (auto t = r.event.find("time"); t != r.event.end() && t->is_string())
      if (auto at = parse_rfc3339(t->get<std::string>())) record_latency(arrived_ms - static_cast<double>(*at));
    if (!count_ids_) return;
    if (!ids_.insert(r.event_id()).second) ++duplicates_;
    if (auto s = r.event.find("sequence"); s != r.event.end() && s->is_string())
      commits_.insert(r.partition_key + '\n' + s->get<std::string>());
  }

  // Fields for the sink's JSON line: latency percentiles in ms (nearest rank, 0.1 ms buckets)
  // and, when ids are counted, distinct events, duplicates and commits.
  nlohmann::json json() const {
    nlohmann::json latency = {
        {"count", samples_}, {"p50", percentile(0.50)}, {"p99", percentile(0.99)}, {"max", rounded_max()}};
    nlohmann::json out = {{"latency_ms", latency}};
    if (count_ids_) {
      out["distinct_events"] = ids_.size();
      out["duplicates"] = duplicates_;
      out["commits"] = commits_.size();
    }
    return out;
  }

 private:
  // 0.1 ms buckets up to 60 s (the last one takes everything later): bounded memory for any run.
  static constexpr double per_ms = 10;
  static constexpr size_t buckets = 600'000;

  void record_latency(double ms) {
    // The event's time is truncated to the millisecond, so an arrival within the same
    // millisecond can read slightly below it: counted as 0.
    if (ms < 0) ms = 0;
    ++samples_;
    if (ms > max_ms_) max_ms_ = ms;
    const auto index = static_cast<size_t>(ms * per_ms);
    ++histogram_[index < buckets ? index : buckets - 1];
  }

  double rounded_max() const { return std::round(max_ms_ * per_ms) / per_ms; }

  // The bucket's upper edge, but never past the largest latency seen.
  double percentile(double q) const {
    if (samples_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(samples_)));
    std::uint64_t seen = 0;
    for (size_t i = 0; i < buckets; ++i)
      if ((seen += histogram_[i]) >= rank) return std::min(static_cast<double>(i + 1) / per_ms, rounded_max());
    return rounded_max();
  }

  bool count_ids_;
  std::vector<std::uint64_t> histogram_;
  std::uint64_t samples_ = 0, duplicates_ = 0;
  double max_ms_ = 0;
  std::unordered_set<std::string> ids_, commits_;
};

}  // namespace tasks::bench
