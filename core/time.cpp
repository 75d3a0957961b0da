#include "core/time.hpp"

#include <chrono>
#include <cstdio>

namespace tasks {

namespace {

// Reads exactly n decimal digits at pos.
bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

millis now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_rfc3339(millis t) {
  long long days = t / 86'400'000;
  long long rest = t % 86'400'000;
  if (rest < 0) {
    rest += 86'400'000;
    --days;
  }
  // The calendar is C++20's (Howard Hinnant's algorithms, standardised from his date library).
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  const long long y = static_cast<int>(date.year());
  const unsigned m = static_cast<unsigned>(date.month()), d = static_cast<unsigned>(date.day());
  const auto ms = static_cast<int>(rest % 1000);
  const auto secs = static_cast<int>(rest / 1000);
  if (y < 0 || y > 9999) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, secs / 3600, secs / 60 % 60,
                  secs % 60, ms);
    return buf;
  }
  // Every event and answer carries a few of these: digits by hand, not snprintf (a tenth of
  // the instructions).
  std::string out = "0000-00-00T00:00:00.000Z";
  auto put = [&out](size_t at, long long value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10)
      out[at + static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, secs / 3600, 2);
  put(14, secs / 60 % 60, 2);
  put(17, secs % 60, 2);
  put(20, ms, 3);
  return out;
}

std::optional<millis> parse_rfc3339(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, hour) || s[13] != ':' ||
      !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;  // ok(): leap years included
  size_t pos = 19;
  int fraction_ms = 0;
  if (s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) fraction_ms = fraction_ms * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
    for (size_t n = pos - start; n < 3; ++n) fraction_ms *= 10;
  }
  long long offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset_minutes = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const long long days = std::chrono::sys_days{date}.time_since_epoch().count();
  const long long secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  const millis instant = secs * 1000 + fraction_ms;
  // An offset can carry a date in year 0000 or 9999 across the year boundary; such an instant
  // would be written back as year -001 or 10000, which is not RFC 3339.
  if (instant < min_rfc3339_millis || instant > max_rfc3339_millis) return std::nullopt;
  return instant;
}

}  // namespace tasks
