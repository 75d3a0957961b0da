#include <boost/test/unit_test.hpp>

#include <map>

#include "shell/identity.hpp"

using namespace tasks::shell;

BOOST_AUTO_TEST_SUITE(identity)

BOOST_AUTO_TEST_CASE(the_name_is_user_at_host) {
  BOOST_TEST(compose_identity("alice", "ops-laptop") == "alice@ops-laptop");
  BOOST_TEST(compose_identity("alice", "") == "alice");
  BOOST_TEST(compose_identity("", "ops-laptop") == "unknown@ops-laptop");
  BOOST_TEST(compose_identity(std::string(300, 'a'), "h").size() == identity_limit);
}

BOOST_AUTO_TEST_CASE(user_comes_from_the_environment_first) {
  const std::map<std::string, std::string> env = {{"USER", "carol"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  const std::string who = operator_identity(getenv);
  BOOST_TEST(who.rfind("carol@", 0) == 0u, who);
}

BOOST_AUTO_TEST_CASE(without_user_the_password_database_names_the_uid) {
  const std::string who = operator_identity([](const char*) -> const char* { return nullptr; });
  BOOST_TEST(!who.empty());
  BOOST_TEST(who.find('@') != std::string::npos, who);  // a host name is there too
}

BOOST_AUTO_TEST_SUITE_END()
