#include "core/status.hpp"

namespace tasks {

nlohmann::json to_json(const ActorStatus& s) {
  return {{"id", s.id},           {"kind", s.kind},           {"state", s.state},
          {"mailbox", s.mailbox}, {"uptime_ms", s.uptime_ms}, {"restarts", s.restarts},
          {"details", s.details}};
}

}  // namespace tasks
