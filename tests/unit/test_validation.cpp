#include <boost/test/unit_test.hpp>

#include "core/validation.hpp"

using namespace tasks;

namespace {

template <class T>
const InputError& error_of(const Validated<T>& v) {
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<InputError>(v), "expected an error");
  return std::get<InputError>(v);
}

template <class T>
const T& value_of(const Validated<T>& v) {
  if (auto* e = std::get_if<InputError>(&v)) BOOST_FAIL("unexpected error: " + e->detail);
  return std::get<T>(v);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(validation)

BOOST_AUTO_TEST_CASE(create_takes_title_description_and_due_date) {
  auto t = value_of(parse_new_task(R"({"title":"  Buy milk ","description":"2 l","due_date":"2026-12-01T09:00:00Z"})"));
  BOOST_TEST(t.title == "Buy milk");
  BOOST_TEST(*t.description == "2 l");
  BOOST_TEST(*t.due_date == 1796115600000LL);
}

BOOST_AUTO_TEST_CASE(create_requires_a_title) {
  BOOST_TEST(error_of(parse_new_task(R"({"description":"x"})")).field == "title");
  BOOST_TEST(error_of(parse_new_task(R"({"title":"   "})")).field == "title");
  BOOST_TEST(error_of(parse_new_task(R"({"title":null})")).field == "title");
  BOOST_TEST(error_of(parse_new_task(R"({"title":42})")).status == 422);
}

BOOST_AUTO_TEST_CASE(title_length_counts_characters_after_trimming) {
  BOOST_TEST(value_of(parse_new_task(R"({"title":")" + std::string(255, 'a') + R"("})")).title.size() == 255u);
  BOOST_TEST(error_of(parse_new_task(R"({"title":")" + std::string(256, 'a') + R"("})")).field == "title");
  // 255 two-byte characters are 255 characters, not 510.
  std::string umlauts;
  for (int i = 0; i < 255; ++i) umlauts += "\xC3\xA4";
  BOOST_TEST(value_of(parse_new_task(R"({"title":")" + umlauts + R"("})")).title == umlauts);
  BOOST_TEST(value_of(parse_new_task(R"({"title":"  )" + std::string(255, 'b') + R"(  "})")).title.size() == 255u);
}

BOOST_AUTO_TEST_CASE(description_at_most_4000_characters) {
  BOOST_TEST(value_of(parse_new_task(R"({"title":"t","description":")" + std::string(4000, 'd') + R"("})"))
                 .description->size() == 4000u);
  BOOST_TEST(error_of(parse_new_task(R"({"title":"t","description":")" + std::string(4001, 'd') + R"("})")).field ==
             "description");
  BOOST_TEST(!value_of(parse_new_task(R"({"title":"t","description":null})")).description.has_value());
  BOOST_TEST(error_of(parse_new_task(R"({"title":"t","description":7})")).field == "description");
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_refused_by_name) {
  auto e = error_of(parse_new_task(R"({"title":"t","priority":1})"));
  BOOST_TEST(e.status == 422);
  BOOST_TEST(e.field == "priority");
  BOOST_TEST(error_of(parse_task_patch(R"({"completed":true})")).field == "completed");
}

BOOST_AUTO_TEST_CASE(malformed_json_is_400_and_non_objects_422) {
  BOOST_TEST(error_of(parse_new_task("{")).status == 400);
  BOOST_TEST(error_of(parse_new_task("")).status == 400);
  BOOST_TEST(error_of(parse_new_task("{\"title\":\"a\"} trailing")).status == 400);
  BOOST_TEST(error_of(parse_new_task("[1,2]")).status == 422);
  BOOST_TEST(error_of(parse_new_task("\"title\"")).status == 422);
}

BOOST_AUTO_TEST_CASE(non_utf8_and_control_characters_are_refused) {
  BOOST_TEST(error_of(parse_new_task("{\"title\":\"\xff\xfe\"}")).status == 400);
  BOOST_TEST(error_of(parse_new_task(R"({"title":"\ud800"})")).status == 400);  // lone surrogate
  BOOST_TEST(error_of(parse_new_task(R"({"title":"a\u0000b"})")).field == "title");
  BOOST_TEST(error_of(parse_new_task(R"({"title":"t","description":"a\u0000"})")).field == "description");
  BOOST_TEST(value_of(parse_new_task(R"({"title":"t","description":"line 1\nline 2\tend"})")).description->size() > 0u);
}

BOOST_AUTO_TEST_CASE(due_date_must_be_rfc3339_or_null) {
  BOOST_TEST(error_of(parse_new_task(R"({"title":"t","due_date":"tomorrow"})")).field == "due_date");
  BOOST_TEST(error_of(parse_new_task(R"({"title":"t","due_date":"2026-02-30T00:00:00Z"})")).field == "due_date");
  BOOST_TEST(error_of(parse_new_task(R"({"title":"t","due_date":1700000000})")).field == "due_date");
  BOOST_TEST(!value_of(parse_new_task(R"({"title":"t","due_date":null})")).due_date.has_value());
}

BOOST_AUTO_TEST_CASE(patch_distinguishes_absent_from_null) {
  auto p = value_of(parse_task_patch(R"({"description":null})"));
  BOOST_TEST(!p.title.has_value());
  BOOST_TEST(p.description.has_value());
  BOOST_TEST(!p.description->has_value());
  BOOST_TEST(!p.due_date.has_value());
  auto empty = value_of(parse_task_patch("{}"));
  BOOST_TEST((!empty.title && !empty.description && !empty.due_date));
  BOOST_TEST(error_of(parse_task_patch(R"({"title":null})")).field == "title");
  BOOST_TEST(value_of(parse_task_patch(R"({"due_date":"2026-01-01T00:00:00.5+01:00"})")).due_date->value() ==
             1767222000500LL);
}

BOOST_AUTO_TEST_CASE(list_query_rules) {
  auto q = value_of(parse_list_query({{"completed", "true"}, {"limit", "10"}, {"offset", "20"}}));
  BOOST_TEST(*q.completed);
  BOOST_TEST(q.limit == 10);
  BOOST_TEST(q.offset == 20);
  BOOST_TEST(value_of(parse_list_query({})).limit == 100);
  BOOST_TEST(value_of(parse_list_query({{"limit", "1000"}})).limit == 1000);
  for (auto bad : std::vector<std::map<std::string, std::string>>{{{"limit", "0"}},
                                                                  {{"limit", "1001"}},
                                                                  {{"limit", "ten"}},
                                                                  {{"offset", "-1"}},
                                                                  {{"completed", "yes"}},
                                                                  {{"sort", "title"}},
                                                                  {{"limit", "99999999999999999999"}}}) {
    BOOST_TEST(error_of(parse_list_query(bad)).status == 400);
  }
}

BOOST_AUTO_TEST_SUITE_END()
