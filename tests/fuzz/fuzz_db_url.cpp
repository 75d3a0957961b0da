// TASKS_DB (persistence/db_url parse_db_url, and core/config describe for the start-up log): any
// text gives a connect string or a ConfigError naming TASKS_DB, on one line. A password put
// into the URI, in its user information or as a `password` parameter, never shows in an error
// message or in the logged configuration, whatever else the URI holds (quotes included). The
// input's first line is the user name, the rest what follows the password.

#include "core/config.hpp"
#include "persistence/db_url.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

constexpr std::string_view mark = "Zq7sEcReTpW";  // appears in no libpq message

void check(const std::string& url, bool has_mark) {
  using namespace tasks;
  try {
    const auto target = parse_db_url(url);
    FUZZ_CHECK(!target.connect.empty());
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    FUZZ_CHECK(what.rfind("TASKS_DB: ", 0) == 0);
    FUZZ_CHECK(what.find('\n') == std::string::npos);
    if (has_mark) FUZZ_CHECK(what.find(mark) == std::string::npos);
  }
  Config config;
  config.db = url;
  if (has_mark) FUZZ_CHECK(describe(config).at("TASKS_DB").find(mark) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(tasks::fuzz::as_text(data, size));
  if (text.find(mark) != std::string::npos) return 0;  // the mark must be ours alone
  check(text, false);
  // The input's first line as the user name, the rest as what follows the password; then the
  // whole input as a URI with a password parameter.
  // (A user name with '/', '?' or '@' would end the user information before the mark, which then
  // is no password.)
  const auto [user, rest] = tasks::fuzz::split(text, '\n');
  if (user.find_first_of("/?@") == std::string_view::npos)
    check("postgresql://" + std::string(user) + ":" + std::string(mark) + "@" + std::string(rest), true);
  check("postgresql://" + text + (text.find('?') == std::string::npos ? "?" : "&") + "password=" + std::string(mark),
        true);
  return 0;
}
