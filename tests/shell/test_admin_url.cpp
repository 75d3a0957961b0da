#include <boost/test/unit_test.hpp>
#include <map>

#include "shell/admin_url.hpp"

using namespace tasks::shell;

BOOST_AUTO_TEST_SUITE(admin_url_choice)

BOOST_AUTO_TEST_CASE(flag_then_taskctl_admin_then_the_bind_address_then_the_default) {
  std::map<std::string, std::string> env;
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  BOOST_TEST(admin_url("", getenv) == "http://127.0.0.1:9090");
  env["TASKS_ADMIN_ADDR"] = "127.0.0.1:9191";
  BOOST_TEST(admin_url("", getenv) == "http://127.0.0.1:9191");
  env["TASKCTL_ADMIN"] = "http://admin.local:9000/";
  BOOST_TEST(admin_url("", getenv) == "http://admin.local:9000");
  BOOST_TEST(admin_url("127.0.0.1:1", getenv) == "http://127.0.0.1:1");
}

BOOST_AUTO_TEST_CASE(urls_are_normalised) {
  BOOST_TEST(normalise_admin_url("localhost:9090") == "http://localhost:9090");
  BOOST_TEST(normalise_admin_url("https://ops.example:443//") == "https://ops.example:443");
  BOOST_TEST(normalise_admin_url("0.0.0.0:9090") == "http://127.0.0.1:9090");
  BOOST_TEST(normalise_admin_url("http://[::]:9090") == "http://[::1]:9090");
  BOOST_TEST(normalise_admin_url("http://0.0.0.0.example:1") == "http://0.0.0.0.example:1");
}

BOOST_AUTO_TEST_CASE(path_segments_are_percent_encoded) {
  BOOST_TEST(encode_path_segment("user/alice") == "user%2Falice");
  BOOST_TEST(encode_path_segment("task-events") == "task-events");
  BOOST_TEST(encode_path_segment("a b?c#d%") == "a%20b%3Fc%23d%25");
  BOOST_TEST(encode_path_segment("caf\xc3\xa9") == "caf%C3%A9");
}

BOOST_AUTO_TEST_SUITE_END()
