#include "core/status.hpp"

namespace tasks {

ActorStatus make_status(std::string id, std::string kind, std::string state, std::uint64_t mailbox,
                        std::chrono::steady_clock::time_point started) {
  ActorStatus s;
  s.id = std::move(id);
  s.kind = std::move(kind);
  s.state = std::move(state);
  s.mailbox = mailbox;
  s.uptime_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return s;
}

nlohmann::json to_json(const ActorStatus& s) {
  return {{"id", s.id},           {"kind", s.kind},           {"state", s.state},
          {"mailbox", s.mailbox}, {"uptime_ms", s.uptime_ms}, {"restarts", s.restarts},
          {"details", s.details}};
}

}  // namespace tasks
