#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>

#include "core/time.hpp"

using namespace tasks;

BOOST_AUTO_TEST_SUITE(time_format)

BOOST_AUTO_TEST_CASE(formats_utc_with_milliseconds) {
  BOOST_TEST(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(format_rfc3339(1796115600123LL) == "2026-12-01T09:00:00.123Z");
  BOOST_TEST(format_rfc3339(951782400000LL) == "2000-02-29T00:00:00.000Z");
  BOOST_TEST(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
}

// The digits written by hand agree with printf's everywhere: every field at its widths and
// edges, leap days, the years at both ends of four digits and past them.
BOOST_AUTO_TEST_CASE(formats_as_printf_would_across_the_range) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<long long> any(-62167219200000LL, 253402300799999LL);  // 0000 .. 9999
  auto reference = [](millis t) {
    const auto days = static_cast<long long>(std::floor(static_cast<double>(t) / 86'400'000.0));
    const long long rest = t - days * 86'400'000;
    const std::time_t secs = static_cast<std::time_t>(days * 86'400 + rest / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rest % 1000));
    return std::string(buf);
  };
  for (int i = 0; i < 20'000; ++i) {
    const millis t = any(rng);
    BOOST_TEST_REQUIRE(format_rfc3339(t) == reference(t), "at " << t);
  }
  BOOST_TEST(format_rfc3339(253402300799999LL) == "9999-12-31T23:59:59.999Z");
  BOOST_TEST(format_rfc3339(-62167219200000LL) == "0000-01-01T00:00:00.000Z");
  BOOST_TEST(format_rfc3339(253402300800000LL) == "10000-01-01T00:00:00.000Z");  // past four digits: printf's way
}

BOOST_AUTO_TEST_CASE(parses_offsets_fractions_and_lower_case) {
  BOOST_TEST(*parse_rfc3339("2026-12-01T09:00:00Z") == 1796115600000LL);
  BOOST_TEST(*parse_rfc3339("2026-12-01t11:00:00+02:00") == 1796115600000LL);
  BOOST_TEST(*parse_rfc3339("2026-12-01T04:30:00-04:30") == 1796115600000LL);
  BOOST_TEST(*parse_rfc3339("2026-12-01T09:00:00.1z") == 1796115600100LL);
  BOOST_TEST(*parse_rfc3339("2026-12-01T09:00:00.123456789Z") == 1796115600123LL);
}

BOOST_AUTO_TEST_CASE(round_trips) {
  for (millis t : {0LL, 1LL, 1796115600123LL, 253402300799999LL}) BOOST_TEST(*parse_rfc3339(format_rfc3339(t)) == t);
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_rfc3339) {
  for (const char* bad :
       {"", "2026-12-01", "2026-12-01 09:00:00Z", "2026-12-01T09:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-12-01T24:00:00Z", "2026-12-01T09:60:00Z", "2026-12-01T09:00:00.Z", "2026-12-01T09:00:00+0200",
        "2026-12-01T09:00:00Zjunk", "+2026-12-01T09:00:00Z", "2026-12-01T09:00:00+24:00"})
    BOOST_TEST(!parse_rfc3339(bad).has_value(), bad);
  BOOST_TEST(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
}

BOOST_AUTO_TEST_CASE(accepts_the_whole_four_digit_range) {
  BOOST_TEST(*parse_rfc3339("0000-01-01T00:00:00Z") == min_rfc3339_millis);
  BOOST_TEST(*parse_rfc3339("0000-01-01T00:00:00.000Z") == min_rfc3339_millis);
  BOOST_TEST(*parse_rfc3339("9999-12-31T23:59:59.999Z") == max_rfc3339_millis);
  BOOST_TEST(*parse_rfc3339("9999-12-31T23:59:59.999999999Z") == max_rfc3339_millis);  // truncated, not rounded up
  // Offsets that keep the instant inside the range, also right at its ends.
  BOOST_TEST(*parse_rfc3339("0000-01-01T01:00:00+01:00") == min_rfc3339_millis);
  BOOST_TEST(*parse_rfc3339("0000-01-01T00:30:00-01:00") == min_rfc3339_millis + 5'400'000);
  BOOST_TEST(*parse_rfc3339("9999-12-31T22:59:59.999-01:00") == max_rfc3339_millis);
  BOOST_TEST(*parse_rfc3339("9999-12-31T23:30:00+01:00") == max_rfc3339_millis + 1 - 5'400'000);
  BOOST_TEST(*parse_rfc3339("0000-02-29T00:00:00Z") == min_rfc3339_millis + 59LL * 86'400'000);  // 0000 is a leap year
  BOOST_TEST(format_rfc3339(min_rfc3339_millis) == "0000-01-01T00:00:00.000Z");
  BOOST_TEST(format_rfc3339(max_rfc3339_millis) == "9999-12-31T23:59:59.999Z");
}

BOOST_AUTO_TEST_CASE(refuses_offsets_that_leave_the_four_digit_range) {
  for (const char* bad : {"0000-01-01T00:30:00+01:00", "0000-01-01T00:00:00+00:01", "0000-01-01T00:59:59.999+01:00",
                          "0000-01-01T00:00:00.000+23:59", "9999-12-31T23:30:00-01:00", "9999-12-31T23:59:59.999-00:01",
                          "9999-12-31T23:00:00-01:00", "9999-12-31T00:01:00-23:59"})
    BOOST_TEST(!parse_rfc3339(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(what_it_accepts_formats_back_as_rfc3339) {
  // Every accepted instant at the edges of the range, written back, is read again as itself.
  for (const char* text : {"0000-01-01T00:00:00Z", "0000-01-01T12:00:00+11:59", "0000-12-31T23:59:59-23:59",
                           "9999-01-01T00:00:00+23:59", "9999-12-31T00:00:00+00:00", "9999-12-31T23:59:59.999Z"}) {
    auto t = parse_rfc3339(text);
    BOOST_REQUIRE_MESSAGE(t.has_value(), text);
    const auto back = format_rfc3339(*t);
    BOOST_TEST(back.size() == 24u, back);
    BOOST_TEST(*parse_rfc3339(back) == *t, back);
  }
}

// The calendar checks now come from C++20's <chrono> (year_month_day::ok): century years and
// month lengths as before.
BOOST_AUTO_TEST_CASE(impossible_dates_are_refused_by_the_calendar) {
  for (const char* bad :
       {"1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-06-31T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z"})
    BOOST_TEST(!parse_rfc3339(bad).has_value(), bad);
  BOOST_TEST(*parse_rfc3339("2000-02-29T00:00:00Z") == 951782400000LL);
  BOOST_TEST(*parse_rfc3339("1969-12-31T23:59:59.999Z") == -1);
  BOOST_TEST(*parse_rfc3339("1600-03-01T00:00:00Z") == -11670912000000LL);
}

// What Howard Hinnant's date::parse("%FT%T%Ez") takes and RFC 3339 does not (the reason it is not
// used, docs/architecture.md): short and unpadded fields, a signed year, an offset without minutes,
// offsets of 24 hours, a '.' without digits, a leap second it cannot represent.
BOOST_AUTO_TEST_CASE(refuses_what_a_looser_parser_would_take) {
  for (const char* bad :
       {"26-12-01T09:00:00Z", "2026-2-1T9:0:0Z", "+2026-12-01T09:00:00+00:00", "2026-12-01T09:00:00+02",
        "2026-12-01T09:00:00+24:00", "2026-12-01T09:00:00.+00:00", "2026-12-01T09:00:60Z", " 2026-12-01T09:00:00Z",
        "2026-12-01T09:00:00Z ", "2026-12-01T09:00:00.1234567890Z", "2026-12-01T09:00:00+00:60"})
    BOOST_TEST(!parse_rfc3339(bad).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()
