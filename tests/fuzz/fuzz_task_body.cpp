// POST /tasks bodies (core/validation parse_new_task, core/task_json): any bytes give a task or
// an InputError; an accepted body's task reads back the same from the JSON taskd writes for it.

#include <nlohmann/json.hpp>

#include "core/task_json.hpp"
#include "core/time.hpp"
#include "core/validation.hpp"
#include "http/problem.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto parsed = parse_new_task(fuzz::as_text(data, size));
  if (const auto* err = std::get_if<InputError>(&parsed)) {
    FUZZ_CHECK(err->status == 400 || err->status == 422);
    (void)http::problem_body({err->status, err->detail, err->field}, "c");
    return 0;
  }
  const auto& created = std::get<NewTask>(parsed);
  FUZZ_CHECK(!created.title.empty() && fuzz::valid_utf8(created.title));
  FUZZ_CHECK(utf8_length(created.title) <= max_title_chars);
  if (created.description) FUZZ_CHECK(utf8_length(*created.description) <= max_description_chars);
  if (created.due_date) FUZZ_CHECK(*created.due_date >= min_rfc3339_millis && *created.due_date <= max_rfc3339_millis);
  Task task;
  task.id = "00000000-0000-4000-8000-000000000000";
  task.user_id = "u";
  task.title = created.title;
  task.description = created.description;
  task.due_date = created.due_date;
  // What a client gets back is a valid create body again, naming the same task.
  nlohmann::ordered_json answer = to_json(task);
  nlohmann::json again = {
      {"title", answer["title"]}, {"description", answer["description"]}, {"due_date", answer["due_date"]}};
  const auto reparsed = parse_new_task(again.dump());
  FUZZ_CHECK(std::holds_alternative<NewTask>(reparsed));
  const auto& back = std::get<NewTask>(reparsed);
  FUZZ_CHECK(back.title == created.title && back.description == created.description &&
             back.due_date == created.due_date);
  return 0;
}
