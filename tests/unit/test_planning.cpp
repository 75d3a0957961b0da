#include <boost/test/unit_test.hpp>

#include "core/time.hpp"
#include "events/planning.hpp"

using namespace tasks;

namespace {

constexpr millis at = 1796115600000LL;   // 2026-12-01T09:00:00Z
constexpr millis due = 1796202000000LL;  // a day later

Task base(std::optional<millis> due_date = std::nullopt, bool completed = false) {
  Task t;
  t.id = "7e1c9a52-3b6f-4f0e-9d1a-2b8c4d5e6f70";
  t.user_id = "alice";
  t.title = "Buy milk";
  t.due_date = due_date;
  t.completed = completed;
  t.created_at = at - 1000;
  t.updated_at = at - 1000;
  t.version = 3;
  return t;
}

Task next(Task t) {
  ++t.version;
  t.updated_at = at;
  return t;
}

std::vector<std::string> kinds(const std::vector<PlannedEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.topic + " " + e.type);
  return out;
}

const PlannedEvent& find(const std::vector<PlannedEvent>& events, const std::string& type) {
  for (const auto& e : events)
    if (e.type == type) return e;
  BOOST_FAIL("no event of type " + type);
  throw;
}

using V = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(planning)

BOOST_AUTO_TEST_CASE(create_without_due_date_has_no_reminder) {
  Task after = base();
  after.version = 1;
  auto events = plan_events(std::nullopt, after, Action::created, at);
  BOOST_TEST(kinds(events) == (V{"task-events task.created", "task-updates task.sync"}),
             boost::test_tools::per_element());
  const auto& created = find(events, "task.created").data;
  for (const char* field :
       {"task_id", "user_id", "title", "description", "completed", "due_date", "version", "timestamp"})
    BOOST_TEST(created.contains(field), field);
  BOOST_TEST(created["timestamp"] == format_rfc3339(at));
  BOOST_TEST(created["version"] == 1);
  BOOST_TEST(created["due_date"].is_null());
  const auto& sync = find(events, "task.sync").data;
  BOOST_TEST(sync["action"] == "created");
  BOOST_TEST(sync["version"] == 1);
  BOOST_TEST(sync["task_id"] == after.id);
  BOOST_TEST(sync["user_id"] == "alice");
}

BOOST_AUTO_TEST_CASE(create_with_due_date_schedules_a_reminder) {
  auto events = plan_events(std::nullopt, base(due), Action::created, at);
  BOOST_TEST(kinds(events) == (V{"task-events task.created", "task-updates task.sync", "reminders reminder.scheduled"}),
             boost::test_tools::per_element());
  const auto& r = find(events, "reminder.scheduled").data;
  BOOST_TEST(r["due_date"] == format_rfc3339(due));
  BOOST_TEST(r["title"] == "Buy milk");
  BOOST_TEST(r["task_id"] == base().id);
  BOOST_TEST(r["user_id"] == "alice");
}

BOOST_AUTO_TEST_CASE(patch_with_no_change_still_yields_task_updated_with_empty_changed_fields) {
  Task before = base(due);
  auto events = plan_events(before, next(before), Action::updated, at);
  BOOST_TEST(kinds(events) == (V{"task-events task.updated", "task-updates task.sync"}),
             boost::test_tools::per_element());
  const auto& updated = find(events, "task.updated").data;
  BOOST_TEST(updated["changed_fields"].is_array());
  BOOST_TEST(updated["changed_fields"].empty());
  BOOST_TEST(updated["version"] == 4);
  BOOST_TEST(find(events, "task.sync").data["action"] == "updated");
}

BOOST_AUTO_TEST_CASE(patch_names_the_changed_fields) {
  Task before = base();
  Task after = next(before);
  after.title = "Buy oat milk";
  after.description = "2 l";
  auto events = plan_events(before, after, Action::updated, at);
  BOOST_TEST(find(events, "task.updated").data["changed_fields"] == nlohmann::json::array({"title", "description"}));
  BOOST_TEST(events.size() == 2u);
}

BOOST_AUTO_TEST_CASE(patch_setting_a_due_date_schedules) {
  Task after = next(base());
  after.due_date = due;
  auto events = plan_events(base(), after, Action::updated, at);
  BOOST_TEST(kinds(events).back() == "reminders reminder.scheduled");
  BOOST_TEST(find(events, "task.updated").data["changed_fields"] == nlohmann::json::array({"due_date"}));
}

BOOST_AUTO_TEST_CASE(patch_changing_an_active_due_date_reschedules) {
  Task after = next(base(due));
  after.due_date = due + 3'600'000;
  auto events = plan_events(base(due), after, Action::updated, at);
  BOOST_TEST(kinds(events).back() == "reminders reminder.rescheduled");
  const auto& r = find(events, "reminder.rescheduled").data;
  BOOST_TEST(r["due_date"] == format_rfc3339(due + 3'600'000));
  BOOST_TEST(r["previous_due_date"] == format_rfc3339(due));
  BOOST_TEST(r["title"] == "Buy milk");
}

BOOST_AUTO_TEST_CASE(patch_clearing_an_active_due_date_cancels) {
  Task after = next(base(due));
  after.due_date.reset();
  auto events = plan_events(base(due), after, Action::updated, at);
  BOOST_TEST(kinds(events).back() == "reminders reminder.cancelled");
  const auto& r = find(events, "reminder.cancelled").data;
  BOOST_TEST(r["task_id"] == base().id);
  BOOST_TEST(r["user_id"] == "alice");
}

BOOST_AUTO_TEST_CASE(due_date_changes_on_a_completed_task_yield_no_reminder) {
  Task before = base(due, true);
  Task after = next(before);
  after.due_date = due + 1000;
  BOOST_TEST(plan_events(before, after, Action::updated, at).size() == 2u);
  after.due_date.reset();
  BOOST_TEST(plan_events(before, after, Action::updated, at).size() == 2u);
}

BOOST_AUTO_TEST_CASE(complete_cancels_an_active_reminder) {
  Task after = next(base(due));
  after.completed = true;
  auto events = plan_events(base(due), after, Action::completed, at);
  BOOST_TEST(
      kinds(events) == (V{"task-events task.completed", "task-updates task.sync", "reminders reminder.cancelled"}),
      boost::test_tools::per_element());
  const auto& c = find(events, "task.completed").data;
  for (const char* field : {"task_id", "user_id", "title", "completed", "version", "timestamp"})
    BOOST_TEST(c.contains(field), field);
  BOOST_TEST(c["completed"] == true);
  BOOST_TEST(find(events, "task.sync").data["action"] == "completed");
}

BOOST_AUTO_TEST_CASE(complete_without_due_date_has_no_reminder) {
  Task after = next(base());
  after.completed = true;
  BOOST_TEST(kinds(plan_events(base(), after, Action::completed, at)) ==
                 (V{"task-events task.completed", "task-updates task.sync"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(uncomplete_with_due_date_schedules_again) {
  Task after = next(base(due, true));
  after.completed = false;
  auto events = plan_events(base(due, true), after, Action::uncompleted, at);
  BOOST_TEST(
      kinds(events) == (V{"task-events task.uncompleted", "task-updates task.sync", "reminders reminder.scheduled"}),
      boost::test_tools::per_element());
  BOOST_TEST(find(events, "task.uncompleted").data["completed"] == false);
  BOOST_TEST(find(events, "task.sync").data["action"] == "uncompleted");
}

BOOST_AUTO_TEST_CASE(uncomplete_without_due_date_has_no_reminder) {
  Task after = next(base(std::nullopt, true));
  after.completed = false;
  BOOST_TEST(plan_events(base(std::nullopt, true), after, Action::uncompleted, at).size() == 2u);
}

BOOST_AUTO_TEST_CASE(delete_cancels_an_active_reminder_and_counts_as_a_version) {
  auto events = plan_events(base(due), std::nullopt, Action::deleted, at);
  BOOST_TEST(kinds(events) == (V{"task-events task.deleted", "task-updates task.sync", "reminders reminder.cancelled"}),
             boost::test_tools::per_element());
  const auto& d = find(events, "task.deleted").data;
  BOOST_TEST(d["version"] == 4);
  BOOST_TEST(d["task_id"] == base().id);
  BOOST_TEST(d["timestamp"] == format_rfc3339(at));
  BOOST_TEST(find(events, "task.sync").data["action"] == "deleted");
  BOOST_TEST(find(events, "task.sync").data["version"] == 4);
}

BOOST_AUTO_TEST_CASE(delete_of_a_completed_or_undated_task_has_no_reminder) {
  BOOST_TEST(plan_events(base(), std::nullopt, Action::deleted, at).size() == 2u);
  BOOST_TEST(plan_events(base(due, true), std::nullopt, Action::deleted, at).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_task_without_due_date_never_yields_a_reminder) {
  Task t = base();
  Task done = next(t);
  done.completed = true;
  for (auto [before, after, action] :
       std::vector<std::tuple<std::optional<Task>, std::optional<Task>, Action>>{{std::nullopt, t, Action::created},
                                                                                 {t, next(t), Action::updated},
                                                                                 {t, done, Action::completed},
                                                                                 {done, next(t), Action::uncompleted},
                                                                                 {t, std::nullopt, Action::deleted}}) {
    for (const auto& e : plan_events(before, after, action, at)) BOOST_TEST(e.topic != "reminders");
  }
}

BOOST_AUTO_TEST_SUITE_END()
