#include "core/commit.hpp"

namespace tasks {

const char* to_string(StoreStatus status) {
  switch (status) {
    case StoreStatus::ok: return "ok";
    case StoreStatus::not_found: return "not_found";
    case StoreStatus::conflict: return "conflict";
    case StoreStatus::unavailable: return "unavailable";
  }
  return "unknown";
}

}  // namespace tasks
