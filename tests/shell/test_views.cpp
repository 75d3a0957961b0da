#include <boost/test/unit_test.hpp>

#include "shell/views.hpp"

using namespace tasks::shell;
using nlohmann::json;
using Row = std::vector<std::string>;

namespace {

json actor(const std::string& id, const std::string& kind, const std::string& state = "idle") {
  return {{"id", id},          {"kind", kind},  {"state", state},           {"mailbox", 0},
          {"uptime_ms", 1234}, {"restarts", 0}, {"details", json::object()}};
}

json publisher(const std::string& topic, const std::string& state) {
  return {{"topic", topic},      {"state", state},      {"probing", false},
          {"topic_backoffs", 0}, {"lane_backoffs", 4},  {"failures_by_scope", {{"lane", 4}}},
          {"in_flight", 1},      {"delivered", 10},     {"failed", 2},
          {"retried", 2},        {"dead_lettered", 0},  {"last_error", "HTTP 500: boom"},
          {"last_error_at", ""}, {"next_retry_at", ""}, {"restarts", 0},
          {"mailbox", 3}};
}

// A GET /admin/outbox entry.
json backlog(const std::string& topic, long long pending, long long lanes_blocked = 0, long long dead = 0) {
  return {{"topic", topic},
          {"pending", pending},
          {"oldest_pending_age_ms", pending ? 1500 : 0},
          {"lanes", pending ? 2 : 0},
          {"lanes_backing_off", pending ? 1 : 0},
          {"lanes_blocked", lanes_blocked},
          {"dead_letters", dead},
          {"oldest_dead_letter_age_ms", dead ? 252'000 : 0}};
}

bool contains(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(views)

BOOST_AUTO_TEST_CASE(actors_are_rows_in_supervision_order) {
  json answer = {{"actors",
                  {actor("user/bob", "user"), actor("publisher/reminders", "publisher", "paused"),
                   actor("registry", "registry"), actor("supervisor", "supervisor"), actor("user/alice", "user")}}};
  View v = actors_view(answer);
  BOOST_TEST(v.table.columns.size() == 6u);
  BOOST_TEST(v.table.columns[0].header == "ID");
  BOOST_TEST(v.table.rows.size() == 5u);
  BOOST_TEST(v.table.rows[0] == (Row{"supervisor", "supervisor", "idle", "0", "1.2s", "0"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.table.rows[1][0] == "registry");
  BOOST_TEST(v.table.rows[2][0] == "publisher/reminders");
  BOOST_TEST(v.table.rows[2][2] == "PAUSED");
  BOOST_TEST(v.table.rows[3][0] == "user/alice");
  BOOST_TEST(v.table.rows[4][0] == "user/bob");
  BOOST_TEST(v.notes.empty());
}

BOOST_AUTO_TEST_CASE(the_actor_filter_matches_part_of_the_id_or_the_kind) {
  json answer = {
      {"actors",
       {actor("supervisor", "supervisor"), actor("user/alice", "user"), actor("publisher/reminders", "publisher")}}};
  BOOST_TEST(actors_view(answer, "ALI").table.rows.size() == 1u);
  BOOST_TEST(actors_view(answer, "publisher").table.rows.size() == 1u);
  BOOST_TEST(filter_actors(answer, "user")["actors"].size() == 1u);
  View none = actors_view(answer, "zed");
  BOOST_TEST(none.table.rows.empty());
  BOOST_TEST(contains(none.notes, "no actor matches \"zed\""));
}

BOOST_AUTO_TEST_CASE(an_actor_is_its_fields_and_flattened_details) {
  json a = actor("publisher/reminders", "publisher", "paused");
  a["details"] = {{"topic", "reminders"}, {"failures_by_reason", {{"connect", 5}}}, {"probing", false}};
  View v = actor_view(a);
  BOOST_TEST(v.table.rows[0] == (Row{"id", "publisher/reminders"}), boost::test_tools::per_element());
  BOOST_TEST(v.table.rows[2] == (Row{"state", "PAUSED"}), boost::test_tools::per_element());
  BOOST_TEST(v.table.rows[4] == (Row{"uptime", "1.2s (1234 ms)"}), boost::test_tools::per_element());
  const auto& rows = v.table.rows;
  BOOST_TEST((std::find(rows.begin(), rows.end(), Row{"details.failures_by_reason.connect", "5"}) != rows.end()));
  BOOST_TEST((std::find(rows.begin(), rows.end(), Row{"details.probing", "false"}) != rows.end()));
  BOOST_TEST((std::find(rows.begin(), rows.end(), Row{"details.topic", "reminders"}) != rows.end()));
}

BOOST_AUTO_TEST_CASE(a_paused_publisher_is_visibly_paused) {
  json answer = {{"publishers", {publisher("task-events", "idle"), publisher("reminders", "paused")}}};
  View v = publishers_view(answer);  // by topic
  BOOST_TEST(v.table.rows[0] ==
                 (Row{"||", "reminders", "PAUSED", "", "1", "10", "2", "2", "0", "4", "0", "3", "0", "HTTP 500: boom"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.table.rows[1][0] == "");
  BOOST_TEST(v.table.rows[1][2] == "idle");
  BOOST_TEST(contains(v.notes, "|| reminders is PAUSED"));
  const std::string text = render(v);
  BOOST_TEST(text.find("||  reminders    PAUSED") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(a_publisher_backing_off_says_when_it_retries) {
  json p = publisher("task-events", "backing off");
  p["next_retry_at"] = "2026-11-29T10:00:05.000Z";
  View v = publishers_view({{"publishers", {p}}});
  BOOST_TEST(contains(v.notes, "task-events: backing off, next retry at 2026-11-29T10:00:05.000Z"));
}

BOOST_AUTO_TEST_CASE(a_topic_in_a_topic_wide_backoff_is_probing) {
  json p = publisher("task-events", "backing off");
  p["probing"] = true;
  p["topic_backoffs"] = 3;
  p["next_retry_at"] = "2026-11-29T10:00:05.000Z";
  p["last_error"] = "connect: refused";
  View v = publishers_view({{"publishers", {p, publisher("reminders", "idle")}}});
  BOOST_TEST(v.table.columns[3].header == "PROBING");
  BOOST_TEST(v.table.columns[9].header == "LANE BACKOFFS");
  BOOST_TEST(v.table.columns[10].header == "TOPIC BACKOFFS");
  BOOST_TEST(v.table.rows[0][3] == "");  // reminders
  BOOST_TEST(v.table.rows[1][3] == "yes");
  BOOST_TEST(v.table.rows[1][10] == "3");
  BOOST_TEST(contains(v.notes, "task-events is PROBING: its events fail alike (a topic-wide backoff)"));
  BOOST_TEST(contains(v.notes, "next at 2026-11-29T10:00:05.000Z; last error: connect: refused"));
  BOOST_TEST(!contains(v.notes, "next retry at"));  // the probing note says it
}

BOOST_AUTO_TEST_CASE(the_outbox_per_topic_and_of_one_topic) {
  json all = {{"topics", {backlog("task-events", 3), backlog("reminders", 0)}}};
  View v = outbox_view(all);  // by topic
  BOOST_TEST(v.table.columns.size() == 8u);
  BOOST_TEST(v.table.rows[0] == (Row{"reminders", "0", "-", "0", "0", "0", "0", "-"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.table.rows[1] == (Row{"task-events", "3", "1.5s", "2", "1", "0", "0", "-"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.notes.empty());

  json one = {{"topic", "task-events"},
              {"pending", 3},
              {"oldest_pending_age_ms", 1500},
              {"rows",
               {{{"id", 12},
                 {"event_id", "e-1"},
                 {"event_type", "task.created"},
                 {"user_id", "alice"},
                 {"task_id", "t-1"},
                 {"correlation_id", "c-1"},
                 {"attempts", 2},
                 {"last_error", "HTTP 503"},
                 {"next_attempt_at", "2026-11-29T10:00:00Z"},
                 {"created_at", "2026-11-29T09:59:00Z"}}}}};
  View o = outbox_topic_view(one);
  BOOST_TEST(o.lead == (std::vector<std::string>{"task-events: 3 pending, oldest 1.5s"}),
             boost::test_tools::per_element());
  BOOST_TEST(o.table.rows[0] == (Row{"12", "e-1", "task.created", "alice", "2", "2026-11-29T09:59:00Z",
                                     "2026-11-29T10:00:00Z", "HTTP 503"}),
             boost::test_tools::per_element());
  BOOST_TEST(contains(o.notes, "(the first 1 of 3)"));

  View empty = outbox_topic_view({{"topic", "reminders"}, {"pending", 0}, {"rows", json::array()}});
  BOOST_TEST(render(empty) == "reminders: 0 pending\n");
}

BOOST_AUTO_TEST_CASE(the_outbox_shows_blocked_lanes_and_dead_letters) {
  View v = outbox_view({{"topics", {backlog("task-events", 3, 1, 2), backlog("reminders", 0)}}});
  BOOST_TEST(v.table.columns[4].header == "BACKING OFF");
  BOOST_TEST(v.table.columns[5].header == "BLOCKED");
  BOOST_TEST(v.table.columns[6].header == "DEAD LETTERS");
  BOOST_TEST(v.table.columns[7].header == "OLDEST DEAD");
  BOOST_TEST(v.table.rows[1] == (Row{"task-events", "3", "1.5s", "2", "1", "1", "2", "4m12s"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.notes == (std::vector<std::string>{"task-events: 1 lane stopped by a dead letter (lanes task-events "
                                                  "shows them)"}),
             boost::test_tools::per_element());
  const std::string text = render(v);
  BOOST_TEST(text.find("TOPIC        PENDING  OLDEST  LANES  BACKING OFF  BLOCKED  DEAD LETTERS  OLDEST DEAD\n") == 0,
             text);
}

BOOST_AUTO_TEST_CASE(a_row_behind_a_dead_letter_says_what_it_waits_for) {
  json one = backlog("task-events", 2, 1, 1);
  one["rows"] = {{{"id", 12},
                  {"event_id", "e-12"},
                  {"event_type", "task.created"},
                  {"user_id", "alice"},
                  {"attempts", 0},
                  {"last_error", ""},
                  {"next_attempt_at", "2026-11-29T10:00:00Z"},
                  {"first_failed_at", ""},
                  {"lane_failures", 0},
                  {"waiting_behind", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
                  {"created_at", "2026-11-29T09:59:00Z"}},
                 {{"id", 13},
                  {"event_id", "e-13"},
                  {"event_type", "task.created"},
                  {"user_id", "bob"},
                  {"attempts", 1},
                  {"last_error", "HTTP 503"},
                  {"next_attempt_at", "2026-11-29T10:00:01Z"},
                  {"first_failed_at", "2026-11-29T10:00:00Z"},
                  {"lane_failures", 1},
                  {"waiting_behind", ""},
                  {"created_at", "2026-11-29T09:59:30Z"}}};
  View v = outbox_topic_view(one);
  BOOST_TEST(v.lead == (std::vector<std::string>{"task-events: 2 pending, oldest 1.5s, 1 lane blocked"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.table.rows[0][6] == "waiting behind 0f1e2d3c");
  BOOST_TEST(v.table.rows[1][6] == "2026-11-29T10:00:01Z");
  BOOST_TEST(contains(v.notes,
                      "rows waiting behind a dead letter go once it is redriven or discarded (lanes "
                      "task-events)"));
  BOOST_TEST(short_event_id("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0") == "0f1e2d3c");
  BOOST_TEST(short_event_id("e-1") == "e-1");
}

BOOST_AUTO_TEST_CASE(blocked_lanes_and_how_to_act_on_them) {
  json answer = {{"blocked_lanes",
                  {{{"topic", "task-events"},
                    {"user_id", "bob"},
                    {"dead_letter_id", 41},
                    {"event_id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
                    {"event_type", "task.created"},
                    {"task_id", "t-9"},
                    {"since", "2026-11-29T10:00:00.000Z"},
                    {"reason", "refused for itself (ERR_PUBSUB_EVENTS_SER): HTTP 400"},
                    {"waiting", 2}}}}};
  View v = lanes_view(answer);
  BOOST_TEST(v.table.columns.size() == 7u);
  BOOST_TEST((v.table.columns[5].align == Align::right));
  BOOST_TEST(
      v.table.rows[0] == (Row{"task-events", "bob", "task.created", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                              "2026-11-29T10:00:00.000Z", "2", "refused for itself (ERR_PUBSUB_EVENTS_SER): HTTP 400"}),
      boost::test_tools::per_element());
  BOOST_TEST(contains(v.notes, "redrive <event-id>"));
  BOOST_TEST(contains(v.notes, "discard <event-id> <reason...>"));
  const std::string text = render(v);
  BOOST_TEST(text.find("TOPIC        USER  TYPE          EVENT ID                              SINCE") == 0, text);
  BOOST_TEST(render(lanes_view({{"blocked_lanes", json::array()}})) == "no blocked lanes\n");
  BOOST_TEST(render(lanes_view(json::parse("[]"))) == "no blocked lanes\n");
}

BOOST_AUTO_TEST_CASE(the_record_of_discarded_dead_letters) {
  json answer = {{"discarded",
                  {{{"id", 3},
                    {"topic", "task-events"},
                    {"event_id", "e-41"},
                    {"event_type", "task.created"},
                    {"user_id", "bob"},
                    {"task_id", "t-9"},
                    {"correlation_id", "c-9"},
                    {"attempts", 1},
                    {"dead_reason", "refused for itself"},
                    {"dead_at", "2026-11-29T10:00:00.000Z"},
                    {"discarded_at", "2026-11-29T10:05:00.000Z"},
                    {"discarded_by", "alice@ops"},
                    {"note", "bad payload"},
                    {"created_at", "2026-11-29T09:59:00.000Z"}}}}};
  View v = discarded_view(answer);
  BOOST_TEST(v.table.columns[0].header == "DISCARDED AT");
  BOOST_TEST(v.table.rows[0] == (Row{"2026-11-29T10:05:00.000Z", "alice@ops", "bad payload", "task-events", "bob",
                                     "task.created", "e-41"}),
             boost::test_tools::per_element());
  BOOST_TEST(render(discarded_view({{"discarded", json::array()}})) == "nothing discarded\n");
}

BOOST_AUTO_TEST_CASE(dead_letters_and_their_absence) {
  json answer = {{"dead_letters",
                  {{{"id", 7},
                    {"topic", "reminders"},
                    {"event_id", "e-7"},
                    {"event_type", "reminder.due"},
                    {"user_id", "bob"},
                    {"task_id", "t-7"},
                    {"correlation_id", "c-7"},
                    {"attempts", 3},
                    {"reason", "HTTP 400: bad\nrequest"},
                    {"dead_at", "2026-11-29T10:00:00Z"},
                    {"created_at", "2026-11-29T09:00:00Z"}}}}};
  View v = dead_letters_view(answer);
  BOOST_TEST(v.table.rows[0] == (Row{"7", "reminders", "e-7", "reminder.due", "bob", "3", "2026-11-29T10:00:00Z",
                                     "HTTP 400: bad\nrequest"}),
             boost::test_tools::per_element());
  BOOST_TEST(render(v).find("HTTP 400: bad request") != std::string::npos);
  BOOST_TEST(render(dead_letters_view({{"dead_letters", json::array()}})) == "no dead letters\n");
}

BOOST_AUTO_TEST_CASE(pause_resume_and_redrive_answers) {
  BOOST_TEST(publisher_state_text({{"topic", "reminders"}, {"state", "paused"}}) ==
             "|| reminders: PAUSED (its events wait in the outbox)");
  BOOST_TEST(publisher_state_text({{"topic", "reminders"}, {"state", "idle"}}) == "reminders: idle");
  BOOST_TEST(redriven_text({{"redriven", 4}}) == "redriven: 4");
  BOOST_TEST(discarded_text({{"discarded", "e-41"}, {"by", "alice@ops"}, {"note", "bad payload"}}) ==
             "discarded e-41 (by alice@ops): bad payload\nits lane goes on with the user's next event");
}

BOOST_AUTO_TEST_CASE(metrics_are_a_table_of_samples) {
  View v = metrics_view({{"tasks_up", "", "1"}, {"tasks_http_requests_total", "{status=\"200\"}", "3"}}, "tasks");
  BOOST_TEST(v.table.rows[1] == (Row{"tasks_http_requests_total{status=\"200\"}", "3"}),
             boost::test_tools::per_element());
  BOOST_TEST(render(metrics_view({}, "nope")) == "no metric starts with \"nope\"\n");
}

BOOST_AUTO_TEST_CASE(unexpected_shapes_give_empty_cells_not_exceptions) {
  BOOST_TEST(actors_view(json::parse("[1,2]")).table.rows.empty());
  BOOST_TEST(actors_view({{"actors", {{{"id", 5}}}}}).table.rows[0][0] == "5");
  BOOST_TEST(publishers_view({{"publishers", "nope"}}).table.rows.empty());
  BOOST_TEST(actor_view(json(nullptr)).table.rows[0] == (Row{"id", ""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(durations_read_like_a_person_would_say_them) {
  BOOST_TEST(format_duration_ms(0) == "0ms");
  BOOST_TEST(format_duration_ms(850) == "850ms");
  BOOST_TEST(format_duration_ms(12'345) == "12.3s");
  BOOST_TEST(format_duration_ms(252'000) == "4m12s");
  BOOST_TEST(format_duration_ms(7'380'000) == "2h03m");
  BOOST_TEST(format_duration_ms(273'600'000) == "3d04h");
}

BOOST_AUTO_TEST_CASE(errors_show_the_problem_detail) {
  BOOST_TEST(error_detail(404, R"({"type":"x","title":"Not Found","status":404,"detail":"no actor user/zed"})") ==
             "no actor user/zed");
  BOOST_TEST(error_detail(401, R"({"title":"Unauthorized","status":401})") == "HTTP 401 Unauthorized");
  BOOST_TEST(error_detail(502, "<html>bad gateway</html>\nmore") == "HTTP 502: <html>bad gateway</html>");
  BOOST_TEST(error_detail(500, "") == "HTTP 500");
}

BOOST_AUTO_TEST_SUITE_END()
