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

size_t pick_probe(const std::vector<Lane>& lanes, const std::string& last_user) {
  size_t after = lanes.size(), first = lanes.size();
  for (size_t i = 0; i < lanes.size(); ++i) {
    if (lanes[i].rows.empty()) continue;
    const auto& user = lanes[i].user;
    if (first == lanes.size() || user < lanes[first].user) first = i;
    if (user > last_user && (after == lanes.size() || user < lanes[after].user)) after = i;
  }
  return after != lanes.size() ? after : first;
}

}  // namespace tasks
