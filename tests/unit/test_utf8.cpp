// utf8_prefix: outside bytes made fit for UTF-8-only sinks (PostgreSQL TEXT, JSON dumps).

#include <boost/test/unit_test.hpp>

#include "core/utf8.hpp"

using namespace tasks;

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(valid_text_within_the_limit_is_kept) {
  BOOST_TEST(utf8_prefix("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 100) ==
             "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  BOOST_TEST(utf8_prefix("", 10) == "");
  BOOST_TEST(utf8_prefix("abcdef", 3) == "abc");
}

BOOST_AUTO_TEST_CASE(a_character_the_cut_falls_inside_is_left_out) {
  BOOST_TEST(utf8_prefix("ab\xC3\xA9", 3) == "ab");
  BOOST_TEST(utf8_prefix("a\xF0\x9F\x98\x80", 4) == "a");
  BOOST_TEST(utf8_prefix("a\xE2\x82", 10) == "a");  // the text itself ends inside one
}

BOOST_AUTO_TEST_CASE(each_invalid_byte_becomes_a_replacement_character) {
  const std::string fffd = "\xEF\xBF\xBD";
  BOOST_TEST(utf8_prefix("d\xE9j\xE0 vu", 20) == "d" + fffd + "j" + fffd + " vu");  // Latin-1
  BOOST_TEST(utf8_prefix("\xC0\xAF", 10) == fffd + fffd);                           // overlong '/'
  BOOST_TEST(utf8_prefix("\xED\xA0\x80", 10) == fffd + fffd + fffd);                // a surrogate
  BOOST_TEST(utf8_prefix("\xF4\x90\x80\x80", 10) == fffd + fffd + fffd + fffd);     // above U+10FFFF
  BOOST_TEST(utf8_prefix("\xC3(", 10) == fffd + "(");                               // a lead byte alone
}

BOOST_AUTO_TEST_SUITE_END()
