#include <boost/test/unit_test.hpp>

#include "core/list_cursor.hpp"
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

namespace {

// A create body whose title is `title` (already JSON-escaped).
std::string with_title(const std::string& title) {
  return R"({"title":")" + title + R"("})";
}

std::string with_description(const std::string& description) {
  return R"({"title":"t","description":")" + description + R"("})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(validation_unicode_edges)

BOOST_AUTO_TEST_CASE(c1_controls_are_refused_in_titles_anywhere) {
  for (const char* title :
       {"a\\u0080b", "a\\u0085b", "a\\u009bb", "a\\u009fb", "\\u0085abc", "abc\\u0085", "\\u009b31m red",
        "a\xc2\x80"
        "b",
        "a\xc2\x9f", "a\\u007fb", "\xc2\x85"}) {
    const auto e = error_of(parse_new_task(with_title(title)));
    BOOST_TEST(e.status == 422, title);
    BOOST_TEST(e.field == "title", title);
    BOOST_TEST(e.detail.find("control") != std::string::npos, e.detail);
  }
  BOOST_TEST(error_of(parse_task_patch(R"({"title":"x\u0090y"})")).field == "title");
  // U+00A0 and U+00A1 are the first characters after the C1 block: a title may hold them.
  BOOST_TEST(value_of(parse_new_task(with_title("a\\u00a0b\\u00a1"))).title ==
             "a\xc2\xa0"
             "b\xc2\xa1");
}

BOOST_AUTO_TEST_CASE(c1_controls_are_refused_in_descriptions) {
  for (const char* d : {"a\\u0080b", "a\\u0085b", "\\u009b", "a\\u009f", "\\u007f", "a\\u0001", "a\\u001b[31m"}) {
    const auto e = error_of(parse_new_task(with_description(d)));
    BOOST_TEST(e.status == 422, d);
    BOOST_TEST(e.field == "description", d);
    BOOST_TEST(e.detail.find("control") != std::string::npos, e.detail);
  }
  BOOST_TEST(error_of(parse_task_patch(R"({"description":"\u0085"})")).field == "description");
  // Tab, carriage return and newline stay allowed, and descriptions are not trimmed.
  BOOST_TEST(*value_of(parse_new_task(with_description("\\tline 1\\r\\nline 2\\n"))).description ==
             "\tline 1\r\nline 2\n");
  BOOST_TEST(*value_of(parse_new_task(with_description("\\u00a0"))).description == "\xc2\xa0");
}

BOOST_AUTO_TEST_CASE(titles_of_only_unicode_white_space_are_refused) {
  for (const char* title : {"\\u00a0", "\\u1680", "\\u2000", "\\u2005\\u200a", "\\u2028", "\\u2029", "\\u202f",
                            "\\u205f", "\\u3000", " \\u3000 \\t", "\\u000b\\u000c", "\\r\\n", "\\t"}) {
    const auto e = error_of(parse_new_task(with_title(title)));
    BOOST_TEST(e.status == 422, title);
    BOOST_TEST(e.field == "title", title);
  }
}

BOOST_AUTO_TEST_CASE(titles_of_only_invisible_characters_are_refused) {
  for (const char* title : {"\\u200b",        "\\u200b\\u200c\\u200d",
                            "\\u00ad",        "\\u034f",
                            "\\u061c",        "\\u115f",
                            "\\u1160",        "\\u17b4",
                            "\\u17b5",        "\\u180b",
                            "\\u180e",        "\\u180f",
                            "\\u200e\\u200f", "\\u202a\\u202e",
                            "\\u2060",        "\\u2064",
                            "\\u2066\\u2069", "\\u206f",
                            "\\u2800",        "\\u3164",
                            "\\ufe00",        "\\ufe0f",
                            "\\ufeff",        "\\uffa0",
                            "\\ufff9",        "\\ufffb",
                            "\\ud834\\udd73", "\\ud834\\udd7a",
                            "\\udb40\\udc00", "\\udb40\\udc01",
                            "\\udb40\\udc7f", "\\udb40\\udd00",
                            "\\ud80d\\udc30", "\\ud82f\\udca0",
                            " \\u200b ",      "\\u3000\\u200b\\u00a0\\ufeff"}) {
    const auto e = error_of(parse_new_task(with_title(title)));
    BOOST_TEST(e.status == 422, title);
    BOOST_TEST(e.field == "title", title);
    BOOST_TEST(e.detail.find("visible") != std::string::npos, e.detail);
  }
  BOOST_TEST(error_of(parse_task_patch(R"({"title":"\u200b"})")).field == "title");
}

BOOST_AUTO_TEST_CASE(invisible_characters_next_to_visible_ones_are_kept) {
  // An emoji ZWJ sequence, a soft hyphen inside a word, a direction mark in mixed text.
  BOOST_TEST(value_of(parse_new_task(with_title("\\ud83d\\udc69\\u200d\\ud83d\\udcbb"))).title ==
             "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb");
  BOOST_TEST(value_of(parse_new_task(with_title("co\\u00adop"))).title ==
             "co\xc2\xad"
             "op");
  BOOST_TEST(value_of(parse_new_task(with_title("\\u200fabc"))).title ==
             "\xe2\x80\x8f"
             "abc");
  // Characters that look like little but are drawn: a combining mark, an Arabic number sign,
  // U+3164's neighbour U+3165, a full-width letter.
  for (const char* title : {"\\u0301", "\\u0600", "\\u3165", "\\uff21", ".", "_", "\\u2801"})
    BOOST_TEST(std::holds_alternative<NewTask>(parse_new_task(with_title(title))), title);
}

BOOST_AUTO_TEST_CASE(titles_are_trimmed_of_unicode_white_space) {
  BOOST_TEST(value_of(parse_new_task(with_title("\\u3000\\u00a0Buy milk\\u2003\\u202f"))).title == "Buy milk");
  BOOST_TEST(value_of(parse_new_task(with_title("\\u2028 a b \\u2029"))).title == "a b");
  // Inside, white space stays; invisible characters at the ends are not white space and stay.
  BOOST_TEST(value_of(parse_new_task(with_title("a\\u3000b"))).title ==
             "a\xe3\x80\x80"
             "b");
  BOOST_TEST(value_of(parse_new_task(with_title("\\u200ba"))).title ==
             "\xe2\x80\x8b"
             "a");
  BOOST_TEST(*value_of(parse_task_patch(R"({"title":"\u3000x\u3000"})")).title == "x");
  // ASCII trimming as before, tab and newline included.
  BOOST_TEST(value_of(parse_new_task(with_title("\\t x \\n"))).title == "x");
}

BOOST_AUTO_TEST_CASE(title_length_is_counted_after_unicode_trimming) {
  std::string ideographic_spaces;
  for (int i = 0; i < 10; ++i) ideographic_spaces += "\\u3000";
  BOOST_TEST(value_of(parse_new_task(with_title(ideographic_spaces + std::string(255, 'a') + ideographic_spaces)))
                 .title.size() == 255u);
  BOOST_TEST(error_of(parse_new_task(with_title(ideographic_spaces + std::string(256, 'a')))).field == "title");
  // 255 four-byte characters are 255 characters.
  std::string clefs;
  for (int i = 0; i < 255; ++i) clefs += "\\ud834\\udd1e";
  BOOST_TEST(utf8_length(value_of(parse_new_task(with_title(clefs))).title) == 255u);
  BOOST_TEST(error_of(parse_new_task(with_title(clefs + "\\ud834\\udd1e"))).field == "title");
  // Invisible characters count: 255 of them after a visible one is 256.
  std::string zwsp_tail = "a";
  for (int i = 0; i < 255; ++i) zwsp_tail += "\\u200b";
  BOOST_TEST(error_of(parse_new_task(with_title(zwsp_tail))).detail.find("255") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(due_dates_outside_years_0000_to_9999_are_refused) {
  for (const char* due : {"0000-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "0000-01-01T00:00:00+00:01"}) {
    const auto e = error_of(parse_new_task(R"({"title":"t","due_date":")" + std::string(due) + R"("})"));
    BOOST_TEST(e.status == 422);
    BOOST_TEST(e.field == "due_date");
    BOOST_TEST(e.detail.find("9999") != std::string::npos, e.detail);
    BOOST_TEST(error_of(parse_task_patch(R"({"due_date":")" + std::string(due) + R"("})")).field == "due_date");
  }
  BOOST_TEST(*value_of(parse_new_task(R"({"title":"t","due_date":"9999-12-31T23:59:59.999Z"})")).due_date ==
             253402300799999LL);
  BOOST_TEST(*value_of(parse_new_task(R"({"title":"t","due_date":"0000-01-01T00:00:00Z"})")).due_date ==
             -62167219200000LL);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(validation_list_after)

BOOST_AUTO_TEST_CASE(after_takes_a_cursor) {
  auto q = value_of(parse_list_query({{"after", encode_list_cursor(41)}, {"limit", "5"}, {"completed", "false"}}));
  BOOST_TEST(q.after.has_value());
  BOOST_TEST(*q.after == 41);
  BOOST_TEST(q.limit == 5);
  BOOST_TEST(q.offset == 0);
  BOOST_TEST(!*q.completed);
  BOOST_TEST(*value_of(parse_list_query({{"after", encode_list_cursor(0)}})).after == 0);
  BOOST_TEST(!value_of(parse_list_query({})).after.has_value());
  BOOST_TEST(!value_of(parse_list_query({{"offset", "3"}})).after.has_value());
}

BOOST_AUTO_TEST_CASE(a_bad_cursor_is_400_on_after) {
  for (const std::string& bad : std::vector<std::string>{"", "41", "-1", "djE6NDI=", "djE6NDI%3D", "v1:41",
                                                         encode_list_cursor(41) + "A", std::string(65, 'A')}) {
    const auto e = error_of(parse_list_query({{"after", bad}}));
    BOOST_TEST(e.status == 400, bad);
    BOOST_TEST(e.field == "after", bad);
    BOOST_TEST(e.detail.find("cursor") != std::string::npos, e.detail);
  }
}

BOOST_AUTO_TEST_CASE(after_and_offset_together_are_400) {
  for (const char* offset : {"0", "20"}) {
    const auto e = error_of(parse_list_query({{"after", encode_list_cursor(7)}, {"offset", offset}}));
    BOOST_TEST(e.status == 400);
    BOOST_TEST(e.field == "after");
    BOOST_TEST(e.detail.find("offset") != std::string::npos, e.detail);
  }
}

BOOST_AUTO_TEST_CASE(unknown_parameters_list_the_allowed_ones) {
  const auto e = error_of(parse_list_query({{"cursor", "x"}}));
  BOOST_TEST(e.status == 400);
  BOOST_TEST(e.field == "cursor");
  BOOST_TEST(e.detail.find("completed, limit, offset, after") != std::string::npos, e.detail);
}

BOOST_AUTO_TEST_SUITE_END()
