// The configuration from the environment (core/config make_config): the input is lines of
// NAME=VALUE, where a one-character NAME stands for the n-th known variable (so that the fuzzer
// needs not guess names). Any values give a Config or a ConfigError naming a variable; the
// start-up description of a Config never shows a secret.

#include <map>

#include "core/config.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto& known = settings();
  std::map<std::string, std::string> env;
  std::string_view rest = fuzz::as_text(data, size);
  while (!rest.empty()) {
    const auto [line, after] = fuzz::split(rest, '\n');
    rest = after;
    const auto [name, value] = fuzz::split(line, '=');
    if (name.empty()) continue;
    std::string variable(name);
    if (name.size() == 1) {
      const auto index = static_cast<unsigned char>(name[0]) % (known.size() + 1);
      variable = index == known.size() ? "DAPR_HTTP_PORT" : known[index].env;
    }
    env.emplace(variable, std::string(value));
  }
  try {
    const Config config = make_config(env);
    const auto described = describe(config);
    for (const auto& s : known) {
      FUZZ_CHECK(described.count(s.env) == 1);
      if (s.secret) {
        const auto& shown = described.at(s.env);
        FUZZ_CHECK(shown == "(set)" || shown == "(unset)" || shown == "(unset: dev mode)");
      }
    }
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    bool named = what.rfind("DAPR_HTTP_PORT: ", 0) == 0;
    for (const auto& s : known) named = named || what.rfind(s.env + ": ", 0) == 0;
    FUZZ_CHECK(named);
  }
  return 0;
}
