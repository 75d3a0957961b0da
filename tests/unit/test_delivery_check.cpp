// The multi-replica tests' judges, on made-up runs: a clean run passes, and each way a run can
// go wrong (a lost event, a repeat, a lane out of order, commits sequenced against the client's
// order, a commit on some topics only, a stale or lost task) is caught and named.

#include <boost/test/unit_test.hpp>
#include <cstdio>

#include "tests/support/delivery_check.hpp"
#include "tests/support/final_state_check.hpp"

using namespace tasks::testing;
using nlohmann::json;

namespace {

const std::string user = "u1";
const std::string task_id = "t1";

json task(long long version, bool completed = false, json due = nullptr, const std::string& title = "a") {
  return {{"id", task_id},          {"user_id", user}, {"title", title},
          {"completed", completed}, {"due_date", due}, {"version", version}};
}

Mutation ack(size_t order, MutationKind kind, json after) {
  Mutation m;
  m.user = user;
  m.order = order;
  m.kind = kind;
  m.task_id = task_id;
  m.correlation_id = "c" + std::to_string(order);
  m.outcome = Outcome::acknowledged;
  m.status = kind == MutationKind::create ? 201 : kind == MutationKind::remove ? 204 : 200;
  m.task = std::move(after);
  return m;
}

std::string sequence(unsigned long long n) {
  char text[32];
  std::snprintf(text, sizeof text, "%020llu", n);
  return text;
}

DeliveredEvent event(const std::string& topic, const std::string& type, long long version, size_t order,
                     unsigned long long seq, const std::string& action = "", const std::string& task = task_id) {
  json data = {{"task_id", task}, {"user_id", user}, {"version", version}};
  if (!action.empty()) data["action"] = action;
  return {topic,
          {{"id", topic + "-" + std::to_string(order)},
           {"type", type},
           {"correlationid", "c" + std::to_string(order)},
           {"sequence", sequence(seq)},
           {"data", data}}};
}

// Create with a due date, retitle, complete, delete: 3 + 2 + 3 + 2 events.
struct Run {
  std::vector<Mutation> mutations;
  std::vector<DeliveredEvent> events;
};

Run clean_run() {
  Run r;
  const json due = "2028-01-01T00:00:00.000Z";
  r.mutations = {ack(0, MutationKind::create, task(1, false, due)),
                 ack(1, MutationKind::patch_title, task(2, false, due, "b")),
                 ack(2, MutationKind::complete, task(3, true, due, "b")), ack(3, MutationKind::remove, nullptr)};
  r.events = {event("task-events", "task.created", 1, 0, 10),
              event("task-updates", "task.sync", 1, 0, 10, "created"),
              event("reminders", "reminder.scheduled", 1, 0, 10),
              event("task-events", "task.updated", 2, 1, 11),
              event("task-updates", "task.sync", 2, 1, 11, "updated"),
              event("task-events", "task.completed", 3, 2, 12),
              event("task-updates", "task.sync", 3, 2, 12, "completed"),
              event("reminders", "reminder.cancelled", 3, 2, 12),
              event("task-events", "task.deleted", 4, 3, 13),
              event("task-updates", "task.sync", 4, 3, 13, "deleted")};
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery_check)

BOOST_AUTO_TEST_CASE(a_clean_run_passes) {
  const Run r = clean_run();
  const auto report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.ok(), report.details());
  BOOST_TEST(report.distinct == 10u);
  BOOST_TEST(report.duplicates == 0u);
  BOOST_TEST(report.acknowledged == 4u);
}

BOOST_AUTO_TEST_CASE(a_repeat_is_a_duplicate_not_a_disorder) {
  Run r = clean_run();
  r.events.insert(r.events.begin() + 5, r.events[3]);  // task.updated again, after its sync
  const auto report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.ok(), report.details());
  BOOST_TEST(report.duplicates == 1u);
  BOOST_TEST(report.duplicated_ids == std::vector<std::string>{"task-events-1"});
}

BOOST_AUTO_TEST_CASE(a_missing_reminder_is_lost_and_an_extra_one_unexpected) {
  Run r = clean_run();
  r.events.erase(r.events.begin() + 2);  // reminder.scheduled
  auto report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.lost.count == 1u, report.details());

  r = clean_run();
  r.events.push_back(event("reminders", "reminder.rescheduled", 2, 1, 11));  // a retitle moves no reminder
  report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.unexpected.count == 1u, report.details());
}

BOOST_AUTO_TEST_CASE(a_lane_out_of_sequence_is_disorder) {
  Run r = clean_run();
  std::swap(r.events[3], r.events[5]);  // task.completed before task.updated on task-events
  const auto report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.disorder.count >= 1u, report.details());
  BOOST_TEST(report.lost.empty());
}

BOOST_AUTO_TEST_CASE(commits_sequenced_against_the_clients_order_are_disorder) {
  // Two creates of two tasks, acknowledged first A then B, but B sequenced first: every lane is
  // in sequence order and every task in version order, yet the replicas' commit order was not
  // the user's.
  Mutation a = ack(0, MutationKind::create, task(1));
  Mutation b = ack(1, MutationKind::create, task(1));
  b.task_id = "t2";
  b.task["id"] = "t2";
  const std::vector<DeliveredEvent> events = {event("task-events", "task.created", 1, 1, 5, "", "t2"),
                                              event("task-updates", "task.sync", 1, 1, 5, "created", "t2"),
                                              event("task-events", "task.created", 1, 0, 6),
                                              event("task-updates", "task.sync", 1, 0, 6, "created")};
  const auto report = check_delivery({a, b}, events);
  BOOST_TEST(report.disorder.count == 1u, report.details());
  BOOST_TEST(report.lost.empty());
}

BOOST_AUTO_TEST_CASE(an_event_without_a_sequence_is_malformed) {
  Run r = clean_run();
  r.events[0].event.erase("sequence");
  r.events[1].event["sequence"] = "42";
  const auto report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.malformed.count == 2u, report.details());
}

BOOST_AUTO_TEST_CASE(an_unknown_outcome_may_commit_but_only_on_every_topic) {
  Run r = clean_run();
  r.mutations[1].outcome = Outcome::unknown;
  r.mutations[1].status = 0;
  r.mutations[1].task = nullptr;
  auto report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.ok(), report.details());
  BOOST_TEST(report.unknown_committed == 1u);

  r.events.erase(r.events.begin() + 4);  // its sync
  report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.lost.count == 1u, report.details());
}

BOOST_AUTO_TEST_CASE(events_of_other_users_are_ignored_and_of_no_request_unexpected) {
  Run r = clean_run();
  auto other = event("task-events", "task.created", 1, 9, 1);
  other.event["data"]["user_id"] = "someone else";
  r.events.push_back(other);
  auto report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.ok(), report.details());
  BOOST_TEST(report.deliveries == 10u);

  r.events.push_back(event("task-updates", "task.sync", 5, 9, 14, "updated"));
  report = check_delivery(r.mutations, r.events);
  BOOST_TEST(report.unexpected.count == 1u, report.details());
}

BOOST_AUTO_TEST_CASE(the_final_state_must_match_the_last_answers) {
  const Run r = clean_run();
  std::vector<Mutation> kept(r.mutations.begin(), r.mutations.begin() + 3);  // not deleted
  PeekTask row{task_id, user, "b", true, true, 0, 3};
  BOOST_TEST(check_final_state(kept, {{user, {row}}}).empty());

  row.version = 2;  // a lost update
  BOOST_TEST(check_final_state(kept, {{user, {row}}}).count == 1u);
  BOOST_TEST(check_final_state(kept, {{user, {}}}).count == 1u);            // lost task
  BOOST_TEST(check_final_state(r.mutations, {{user, {row}}}).count == 1u);  // deleted, still there
  PeekTask stray{"t2", user, "x", false, false, 0, 1};
  BOOST_TEST(check_final_state(r.mutations, {{user, {stray}}}).count == 1u);  // made by nobody

  std::vector<Mutation> unsure = kept;
  Mutation create = ack(3, MutationKind::create, nullptr);
  create.outcome = Outcome::unknown;
  create.task_id = "";
  unsure.push_back(create);
  Mutation patch = ack(4, MutationKind::patch_title, nullptr);
  patch.outcome = Outcome::unknown;
  unsure.push_back(patch);
  row.version = 4;  // the unknown patch happened, and so did the unknown create
  BOOST_TEST(check_final_state(unsure, {{user, {row, stray}}}).empty());
  row.version = 5;  // one change further than any request could have made
  BOOST_TEST(check_final_state(unsure, {{user, {row, stray}}}).count == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
