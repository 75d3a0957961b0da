// http/percent: query strings and path segments decoded by libcurl, with what libcurl lets
// through (a '%' that starts no escape, %00) refused, and a query's text required to be UTF-8.

#include <boost/test/unit_test.hpp>

#include "http/percent.hpp"

using namespace tasks;
using namespace tasks::http;

namespace {

std::string decoded(std::string_view text, PlusSign plus = PlusSign::space) {
  auto d = percent_decode(text, plus);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<std::string>(d), std::string(text));
  return std::get<std::string>(d);
}

// The 400's detail for a refused query, or "" when it was taken.
std::string refusal(std::string_view query) {
  auto p = query_parameters(query);
  if (auto* e = std::get_if<InputError>(&p)) {
    BOOST_TEST(e->status == 400);
    return e->detail;
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(percent)

BOOST_AUTO_TEST_CASE(escapes_decode_in_either_case_and_plus_is_a_space_in_a_query_only) {
  BOOST_TEST(decoded("tr%75e") == "true");
  BOOST_TEST(decoded("%2f%2F%c3%a9") == "//\xc3\xa9");
  BOOST_TEST(decoded("a+b") == "a b");
  BOOST_TEST(decoded("a+b", PlusSign::literal) == "a+b");
  BOOST_TEST(decoded("a%2Bb") == "a+b");  // an encoded '+' stays a '+'
  BOOST_TEST(decoded("%25zz") == "%zz");  // decoded once, not twice
  BOOST_TEST(decoded("") == "");
  BOOST_TEST(decoded("%ff") == "\xff");  // bytes; UTF-8 is the query's rule (below)
}

BOOST_AUTO_TEST_CASE(what_libcurl_would_let_through_is_refused) {
  for (std::string bad : {"%", "a%", "%2", "a%2", "%zz", "%g0", "%0g", "%%41", "% 41", "ok%00", "%00", "%-1"}) {
    auto d = percent_decode(bad, PlusSign::space);
    BOOST_TEST(std::holds_alternative<InputError>(d), bad);
    BOOST_TEST(std::holds_alternative<InputError>(percent_decode(bad, PlusSign::literal)), bad);
  }
  auto e = std::get<InputError>(percent_decode("x%zz", PlusSign::space));
  BOOST_TEST(e.status == 400);
  BOOST_TEST(e.detail == "\"%zz\" is no escape (a '%' is followed by two hex digits; a '%' itself is %25)");
  BOOST_TEST(std::get<InputError>(percent_decode("a%", PlusSign::space)).detail.rfind("\"%\" is no escape", 0) == 0u);
  BOOST_TEST(std::get<InputError>(percent_decode("a%00b", PlusSign::space)).detail ==
             "%00 (a NUL byte) is not allowed");
}

BOOST_AUTO_TEST_CASE(query_parameters_are_split_then_decoded) {
  auto p = std::get<0>(query_parameters("completed=true&limit=%31%30&&a%26b=c%3Dd&flag&limit=99&q=x+y"));
  BOOST_TEST(p.size() == 5u);
  BOOST_TEST(p["completed"] == "true");
  BOOST_TEST(p["limit"] == "10");  // the first of a repeated parameter wins
  BOOST_TEST(p["a&b"] == "c=d");   // encoded separators are data
  BOOST_TEST(p["flag"] == "");
  BOOST_TEST(p["q"] == "x y");
  BOOST_TEST(std::get<0>(query_parameters("")).empty());
  BOOST_TEST(std::get<0>(query_parameters("t=%E2%9C%93"))["t"] == "\xe2\x9c\x93");
}

BOOST_AUTO_TEST_CASE(a_refused_query_says_why_in_one_line) {
  BOOST_TEST(refusal("limit=%zz") ==
             "the query string is not valid percent-encoding: \"%zz\" is no escape (a '%' is followed by two hex "
             "digits; a '%' itself is %25)");
  BOOST_TEST(refusal("limit=5&%") ==
             "the query string is not valid percent-encoding: \"%\" is no escape (a '%' is followed by two hex "
             "digits; a '%' itself is %25)");
  BOOST_TEST(refusal("completed=true%00") ==
             "the query string is not valid percent-encoding: %00 (a NUL byte) is not allowed");
  BOOST_TEST(refusal("%00=1") == "the query string is not valid percent-encoding: %00 (a NUL byte) is not allowed");
  BOOST_TEST(refusal("after=%ff%fe") ==
             "the query string is not valid percent-encoding: the value of 'after' does not decode to UTF-8");
  BOOST_TEST(refusal("%c3=1") ==
             "the query string is not valid percent-encoding: a parameter name does not decode to UTF-8");
  BOOST_TEST(refusal("%ED%A0%80=1") != "");  // a surrogate is not UTF-8
  BOOST_TEST(refusal("a+b=c+d") == "");
}

BOOST_AUTO_TEST_SUITE_END()
