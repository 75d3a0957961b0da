#include "core/commit.hpp"

namespace tasks {

const char* to_string(StoreStatus status) {
  switch (status) {
    case StoreStatus::ok: return "ok";
    case StoreStatus::not_found: return "not_found";
    case StoreStatus::conflict: return "conflict";
    case StoreStatus::unavailable: return "unavailable";
    case StoreStatus::expired: return "expired";
    case StoreStatus::quota_exceeded: return "quota_exceeded";
    case StoreStatus::duplicate_key: return "duplicate_key";
  }
  return "unknown";
}

}  // namespace tasks
