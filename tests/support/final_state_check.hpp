#pragma once

// No lost update, read in the database at the end (pure code over rows read by DbPeek): every
// task is as the last answer about it said (its version, title and completion), a task whose
// delete was acknowledged is gone, and a task no request is known to have created exists only
// as often as creates of unknown outcome allow. After a request of unknown outcome on a task
// the task may be one change further, or gone if that request was a delete.

#include <map>
#include <string>
#include <vector>

#include "tests/support/db_peek.hpp"
#include "tests/support/mutation_log.hpp"
#include "tests/support/problems.hpp"

namespace tasks::testing {

// `rows` per user: every task row of each user in `mutations`.
Problems check_final_state(const std::vector<Mutation>& mutations,
                           const std::map<std::string, std::vector<PeekTask>>& rows);

}  // namespace tasks::testing
