#pragma once

// What a client knows about the mutations it sent: one record per request, in the order that
// user sent them. A user's requests go one at a time, so for an acknowledged mutation the
// client's order is that user's commit order, whichever replica served it. A request whose
// answer never came (the replica vanished) or was a 503 is of unknown outcome: it may have
// committed, so its events may or may not exist, and the checks tolerate either.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tasks::testing {

enum class MutationKind {
  create,
  patch_title,
  patch_description,
  patch_due,  // sets or moves the due date
  clear_due,  // due_date: null
  complete,
  uncomplete,
  remove,
};
inline constexpr int mutation_kinds = 8;
const char* to_string(MutationKind kind);

enum class Outcome {
  acknowledged,  // 2xx: the change and its events are committed
  unknown,       // no answer, or 503: it may or may not have committed
  rejected,      // another 4xx: nothing was written
};
const char* to_string(Outcome outcome);

struct Mutation {
  std::string user;
  size_t order = 0;  // this user's n-th request (0-based)
  MutationKind kind = MutationKind::create;
  std::string task_id;         // "" for a create whose answer never came
  std::string correlation_id;  // unique per request; every event of the request carries it
  Outcome outcome = Outcome::unknown;
  long status = 0;  // the HTTP status (0: no answer)
  // The task as the answer showed it after the change (null for a delete or without an answer).
  nlohmann::json task;
  std::string replica;  // the base URL that was asked
};

}  // namespace tasks::testing
