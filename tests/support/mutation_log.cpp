#include "tests/support/mutation_log.hpp"

namespace tasks::testing {

const char* to_string(MutationKind kind) {
  switch (kind) {
    case MutationKind::create: return "create";
    case MutationKind::patch_title: return "patch title";
    case MutationKind::patch_description: return "patch description";
    case MutationKind::patch_due: return "patch due date";
    case MutationKind::clear_due: return "clear due date";
    case MutationKind::complete: return "complete";
    case MutationKind::uncomplete: return "uncomplete";
    case MutationKind::remove: return "delete";
  }
  return "?";
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::acknowledged: return "acknowledged";
    case Outcome::unknown: return "unknown";
    case Outcome::rejected: return "rejected";
  }
  return "?";
}

}  // namespace tasks::testing
