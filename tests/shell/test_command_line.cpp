#include <boost/test/unit_test.hpp>

#include "shell/command_line.hpp"

using namespace tasks::shell;
using Strings = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(blanks_separate_words) {
  BOOST_TEST(split_words("  inspect\tuser/alice  ").words == (Strings{"inspect", "user/alice"}),
             boost::test_tools::per_element());
  BOOST_TEST(split_words("").words.empty());
  BOOST_TEST(split_words("   ").words.empty());
}

BOOST_AUTO_TEST_CASE(quotes_group_and_backslashes_escape) {
  BOOST_TEST(split_words(R"(actors "user/a b" 'it''s')").words == (Strings{"actors", "user/a b", "its"}),
             boost::test_tools::per_element());
  BOOST_TEST(split_words(R"(a "say \"hi\"" b\ c)").words == (Strings{"a", R"(say "hi")", "b c"}),
             boost::test_tools::per_element());
  BOOST_TEST(split_words(R"(a "")").words == (Strings{"a", ""}), boost::test_tools::per_element());
  BOOST_TEST(!split_words(R"(a "open)").complete);
}

BOOST_AUTO_TEST_CASE(json_flag_is_taken_out_of_the_arguments) {
  auto line = parse_command_line("outbox reminders --json");
  BOOST_TEST(line.json);
  BOOST_TEST(line.name() == "outbox");
  BOOST_TEST(line.args() == (Strings{"reminders"}), boost::test_tools::per_element());
  BOOST_TEST(!parse_command_line("outbox reminders").json);
  // Alone it is not a command with a flag but an unknown command.
  auto alone = parse_command_line("--json");
  BOOST_TEST(!alone.json);
  BOOST_TEST(alone.name() == "--json");
}

BOOST_AUTO_TEST_CASE(blank_lines_and_unclosed_quotes) {
  BOOST_TEST(parse_command_line("  ").blank());
  auto bad = parse_command_line("actors 'user");
  BOOST_TEST(!bad.blank());
  BOOST_TEST(bad.error == "unclosed quote");
}

BOOST_AUTO_TEST_SUITE_END()
