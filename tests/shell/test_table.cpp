#include <boost/test/unit_test.hpp>

#include "shell/table.hpp"

using namespace tasks::shell;

BOOST_AUTO_TEST_SUITE(table)

BOOST_AUTO_TEST_CASE(columns_are_aligned_under_their_headers) {
  Table t{{{"ID"}, {"STATE"}, {"MAILBOX", Align::right}},
          {{"supervisor", "running", "0"}, {"user/alice", "idle", "12"}}};
  BOOST_TEST(render(t) ==
             "ID          STATE    MAILBOX\n"
             "supervisor  running        0\n"
             "user/alice  idle          12\n");
}

BOOST_AUTO_TEST_CASE(no_trailing_blanks_and_short_rows_are_padded) {
  Table t{{{"A"}, {"B"}}, {{"x"}, {"longer", "y"}}};
  BOOST_TEST(render(t) ==
             "A       B\n"
             "x\n"
             "longer  y\n");
}

BOOST_AUTO_TEST_CASE(a_table_without_rows_is_its_header) {
  BOOST_TEST(render(Table{{{"ID"}, {"KIND"}}, {}}) == "ID  KIND\n");
}

BOOST_AUTO_TEST_CASE(long_cells_are_cut_with_an_ellipsis) {
  BOOST_TEST(fit_cell("abcdefghij", 10) == "abcdefghij");
  BOOST_TEST(fit_cell("abcdefghijk", 10) == "abcdefghi\xe2\x80\xa6");
  BOOST_TEST(display_width(fit_cell("abcdefghijk", 10)) == 10u);
  Table t{{{"ERROR", Align::left, 8}, {"N", Align::right}}, {{"connection refused", "1"}}};
  BOOST_TEST(render(t) ==
             "ERROR     N\n"
             "connect\xe2\x80\xa6  1\n");
}

BOOST_AUTO_TEST_CASE(cutting_never_splits_a_character_and_control_characters_become_blanks) {
  // "é" is two bytes, one character.
  BOOST_TEST(display_width("caf\xc3\xa9") == 4u);
  BOOST_TEST(fit_cell("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
  BOOST_TEST(fit_cell("line one\nline two\tend", 40) == "line one line two end");
}

BOOST_AUTO_TEST_CASE(wide_unicode_cells_still_line_up_by_characters) {
  Table t{{{"NAME"}, {"N", Align::right}}, {{"caf\xc3\xa9", "1"}, {"tea", "22"}}};
  BOOST_TEST(render(t) ==
             "NAME   N\n"
             "caf\xc3\xa9   1\n"
             "tea   22\n");
}

BOOST_AUTO_TEST_SUITE_END()
