#include <boost/test/unit_test.hpp>

#include "core/answers.hpp"
#include "core/json_text.hpp"
#include "core/task_json.hpp"

using namespace tasks;

BOOST_AUTO_TEST_SUITE(answers)

// task_body writes the answer without building its tree: the same bytes as the tree dumped,
// with and without the optional fields, and for text that needs escaping or is not UTF-8.
BOOST_AUTO_TEST_CASE(task_body_is_the_task_json_dumped) {
  Task plain{"3f1c1d2e-0000-4000-8000-000000000001",
             "alice",
             "Buy milk",
             std::nullopt,
             false,
             std::nullopt,
             1796115600123LL,
             1796115600123LL,
             1};
  Task full = plain;
  full.title = "caf\xc3\xa9 \"quoted\" \\ tab\t \x01 \xff\xfe";
  full.description = "line\nbreak \xe2\x82\xac";
  full.completed = true;
  full.due_date = 1893456000000LL;
  full.version = 1234567890123LL;
  full.user_id = "user with \"quote\"";
  for (const auto& task : {plain, full}) {
    const auto expected = to_json(task).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    BOOST_TEST(task_body(task) == expected);
  }
}

BOOST_AUTO_TEST_CASE(json_strings_match_the_library) {
  for (const std::string s : {"", "plain", "a\"b", "back\\slash", "\x7f", "\x1f", "\xc3\xa9", "\xc3", "\xff"}) {
    std::string out;
    append_json_string(out, s);
    BOOST_TEST(out == nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

BOOST_AUTO_TEST_SUITE_END()
