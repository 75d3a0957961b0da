#include <boost/test/unit_test.hpp>

#include "core/time.hpp"

using namespace tasks;

BOOST_AUTO_TEST_SUITE(time_format)

BOOST_AUTO_TEST_CASE(formats_utc_with_milliseconds) {
  BOOST_TEST(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(format_rfc3339(1796115600123LL) == "2026-12-01T09:00:00.123Z");
  BOOST_TEST(format_rfc3339(951782400000LL) == "2000-02-29T00:00:00.000Z");
  BOOST_TEST(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
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

BOOST_AUTO_TEST_SUITE_END()
