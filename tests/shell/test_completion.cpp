#include <boost/test/unit_test.hpp>

#include "shell/completion.hpp"

using namespace tasks::shell;
using Words = std::vector<std::string>;

namespace {

bool wants(std::string_view before, Argument kind, const std::string& word, const Words& fixed = {}) {
  auto r = completion_request(before);
  return r.kind == kind && r.word == word && r.fixed == fixed;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(completion)

BOOST_AUTO_TEST_CASE(the_first_word_is_a_command) {
  BOOST_TEST(wants("", Argument::command, ""));
  BOOST_TEST(wants("act", Argument::command, "act"));
  BOOST_TEST(wants("  pu", Argument::command, "pu"));
  BOOST_TEST(matching("act", command_names()) == (Words{"actors"}), boost::test_tools::per_element());
  BOOST_TEST(matching("p", command_names()) == (Words{"pause", "publishers"}), boost::test_tools::per_element());
  BOOST_TEST(matching("", command_names()).size() == command_names().size());
}

BOOST_AUTO_TEST_CASE(inspect_takes_an_actor) {
  BOOST_TEST(wants("inspect ", Argument::actor, ""));
  BOOST_TEST(wants("inspect user/", Argument::actor, "user/"));
  BOOST_TEST(wants("inspect user/a --json ", Argument::none, ""));  // one actor only
  const Words actors{"supervisor", "user/bob", "user/alice", "publisher/reminders"};
  BOOST_TEST(matching("user/", actors) == (Words{"user/alice", "user/bob"}), boost::test_tools::per_element());
  BOOST_TEST(matching("user/b", actors) == (Words{"user/bob"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(publisher_commands_take_a_topic) {
  for (std::string command : {"pause", "resume", "outbox", "dead", "lanes", "discarded"}) {
    BOOST_TEST(wants(command + " ", Argument::topic, ""), command);
    BOOST_TEST(wants(command + " task-", Argument::topic, "task-"), command);
    BOOST_TEST(wants(command + " reminders ", Argument::none, ""), command);
  }
  BOOST_TEST(wants("redrive all ", Argument::topic, ""));
}

BOOST_AUTO_TEST_CASE(redrive_and_discard_take_a_dead_letter) {
  BOOST_TEST(wants("redrive ", Argument::dead_letter, "", {"all"}));
  BOOST_TEST(wants("redrive 0f1", Argument::dead_letter, "0f1", {"all"}));
  BOOST_TEST(wants("redrive 0f1e ", Argument::none, ""));
  BOOST_TEST(wants("discard ", Argument::dead_letter, ""));
  BOOST_TEST(wants("discard --json 0f", Argument::dead_letter, "0f"));
  BOOST_TEST(wants("discard 0f1e bad pay", Argument::none, "pay"));  // the reason is free text
  BOOST_TEST(wants("watch lanes ", Argument::topic, ""));
  BOOST_TEST(matching("disc", command_names()) == (Words{"discard", "discarded"}), boost::test_tools::per_element());
  BOOST_TEST(matching("0f", {"all", "0f1e", "9abc"}) == (Words{"0f1e"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cluster_takes_buckets) {
  BOOST_TEST(matching("c", command_names()) == (Words{"cluster"}), boost::test_tools::per_element());
  BOOST_TEST(wants("cluster ", Argument::none, "", {"buckets"}));
  BOOST_TEST(wants("cluster bu", Argument::none, "bu", {"buckets"}));
  BOOST_TEST(wants("watch cluster ", Argument::none, "", {"buckets"}));
  BOOST_TEST(wants("cluster buckets ", Argument::none, ""));
}

BOOST_AUTO_TEST_CASE(watch_and_help_take_a_command_line) {
  BOOST_TEST(wants("watch ", Argument::command, ""));
  BOOST_TEST(wants("watch pub", Argument::command, "pub"));
  BOOST_TEST(wants("watch outbox ", Argument::topic, ""));
  BOOST_TEST(wants("watch inspect user/a", Argument::actor, "user/a"));
  BOOST_TEST(wants("help in", Argument::command, "in"));
}

BOOST_AUTO_TEST_CASE(free_arguments_and_unknown_commands_offer_nothing) {
  BOOST_TEST(wants("actors us", Argument::none, "us"));
  BOOST_TEST(wants("metrics tasks_", Argument::none, "tasks_"));
  BOOST_TEST(wants("publishers ", Argument::none, ""));
  BOOST_TEST(wants("frobnicate x", Argument::none, "x"));
}

BOOST_AUTO_TEST_CASE(common_prefixes) {
  BOOST_TEST(common_prefix({"user/alice", "user/alan"}) == "user/al");
  BOOST_TEST(common_prefix({"pause", "publishers"}) == "p");
  BOOST_TEST(common_prefix({"actors"}) == "actors");
  BOOST_TEST(common_prefix({}) == "");
}

BOOST_AUTO_TEST_SUITE_END()
