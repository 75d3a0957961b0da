// PATCH /tasks/{id} bodies (core/validation parse_task_patch, core/task apply_patch,
// core/task_json): a patch is accepted or refused as a value; an accepted one applies to a task
// whose JSON dumps, and applying it twice changes nothing the second time.

#include <nlohmann/json.hpp>

#include "core/task_json.hpp"
#include "core/validation.hpp"
#include "http/problem.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto parsed = parse_task_patch(fuzz::as_text(data, size));
  if (const auto* err = std::get_if<InputError>(&parsed)) {
    FUZZ_CHECK(err->status == 400 || err->status == 422);
    (void)http::problem_body({err->status, err->detail, err->field}, "c");
    return 0;
  }
  const auto& patch = std::get<TaskPatch>(parsed);
  if (patch.title) FUZZ_CHECK(!patch.title->empty() && fuzz::valid_utf8(*patch.title));
  Task task;
  task.id = "00000000-0000-4000-8000-000000000000";
  task.user_id = "u";
  task.title = "before";
  task.description = "d";
  task.due_date = 0;
  (void)apply_patch(task, patch);
  (void)to_json(task).dump();
  FUZZ_CHECK(apply_patch(task, patch).empty());
  return 0;
}
