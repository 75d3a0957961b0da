#pragma once

// Latency samples and their percentiles (nearest rank), in milliseconds.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace tasks::hostile {

class Latencies {
 public:
  void add(double ms) {
    samples_.push_back(ms);
    sorted_ = false;
  }
  std::size_t count() const { return samples_.size(); }
  // p in [0, 100]; 0 when there are no samples.
  double percentile(double p) const {
    if (samples_.empty()) return 0;
    if (!sorted_) {
      std::sort(samples_.begin(), samples_.end());
      sorted_ = true;
    }
    const double rank = std::ceil(p / 100.0 * static_cast<double>(samples_.size()));
    const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return samples_[std::min(index, samples_.size() - 1)];
  }
  double max() const { return percentile(100); }
  void add_all(const Latencies& other) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
    sorted_ = false;
  }

 private:
  mutable std::vector<double> samples_;
  mutable bool sorted_ = true;
};

}  // namespace tasks::hostile
