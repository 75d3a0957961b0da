#include <boost/test/unit_test.hpp>

#include "shell/watch.hpp"

using namespace tasks::shell;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(watch_plans)

BOOST_AUTO_TEST_CASE(the_command_repeats_every_two_seconds_until_stopped) {
  auto plan = plan_watch({"publishers"});
  BOOST_TEST(plan.error.empty());
  BOOST_TEST(plan.command == "publishers");
  BOOST_TEST(plan.interval.count() == 2000);
  BOOST_TEST(!plan.count.has_value());
}

BOOST_AUTO_TEST_CASE(a_trailing_number_is_the_interval_and_count_bounds_the_runs) {
  auto plan = plan_watch({"outbox", "reminders", "0.5", "--count", "3"});
  BOOST_TEST(plan.error.empty());
  BOOST_TEST(plan.command == "outbox reminders");
  BOOST_TEST(plan.interval.count() == 500);
  BOOST_TEST(*plan.count == 3);
  BOOST_TEST(plan_watch({"--count", "2", "actors", "5"}).command == "actors");
  // A lone number is the command, not an interval: there must be something to repeat.
  BOOST_TEST(plan_watch({"5"}).command == "5");
}

BOOST_AUTO_TEST_CASE(words_with_blanks_keep_their_quotes) {
  BOOST_TEST(plan_watch({"actors", "a b"}).command == "actors \"a b\"");
}

BOOST_AUTO_TEST_CASE(bad_plans_say_why) {
  BOOST_TEST(!plan_watch({}).error.empty());
  BOOST_TEST(!plan_watch({"actors", "--count"}).error.empty());
  BOOST_TEST(!plan_watch({"actors", "--count", "0"}).error.empty());
  BOOST_TEST(!plan_watch({"actors", "--count", "1.5"}).error.empty());
  BOOST_TEST(!plan_watch({"actors", "0.01"}).error.empty());
  BOOST_TEST(plan_watch({"watch", "actors"}).error == "watch cannot repeat watch");
  BOOST_TEST(plan_watch({"exit"}).error == "watch cannot repeat quit");
}

BOOST_AUTO_TEST_SUITE_END()
