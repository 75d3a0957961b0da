#include "events/lanes.hpp"

#include <unordered_map>

namespace tasks {

std::vector<Lane> plan_lanes(const std::vector<OutboxRow>& rows, size_t max_lanes, size_t max_rows_per_lane) {
  std::vector<Lane> lanes;
  std::unordered_map<std::string, size_t> index;
  for (const auto& row : rows) {
    const auto& user = row.event.partition_key;
    auto it = index.find(user);
    if (it == index.end()) {
      if (lanes.size() >= max_lanes) continue;
      it = index.emplace(user, lanes.size()).first;
      lanes.push_back(Lane{user, {}});
    }
    auto& lane = lanes[it->second];
    if (lane.rows.size() < max_rows_per_lane) lane.rows.push_back(row);
  }
  return lanes;
}

}  // namespace tasks
