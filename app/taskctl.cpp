// taskctl: the operator's tool. `taskctl token` mints a JWT; `taskctl shell` inspects actors.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "core/time.hpp"
#include "http/jwt.hpp"

int main(int argc, char** argv) {
  CLI::App app{"taskctl: operator tool for taskd"};
  app.require_subcommand(1);

  auto* token = app.add_subcommand("token", "mint an HS256 JWT signed with TASKS_JWT_SECRET");
  std::string user;
  long long ttl = 3600;
  std::string secret;
  token->add_option("--user,-u", user, "the user id (the token's sub)")->required();
  token->add_option("--ttl", ttl, "seconds until the token expires")->check(CLI::Range(1LL, 10LL * 365 * 86400));
  token->add_option("--secret", secret, "the HS256 secret (default: $TASKS_JWT_SECRET)");

  CLI11_PARSE(app, argc, argv);

  if (token->parsed()) {
    if (secret.empty())
      if (const char* env = std::getenv("TASKS_JWT_SECRET")) secret = env;
    if (secret.empty()) {
      std::cerr << "taskctl: TASKS_JWT_SECRET is not set (or pass --secret)\n";
      return 2;
    }
    std::cout << tasks::http::mint_token(user, secret, std::chrono::seconds(ttl), tasks::now_millis() / 1000) << "\n";
  }
  return 0;
}
