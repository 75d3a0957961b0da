#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/list_cursor.hpp"

using namespace tasks;

namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// base64url without padding of `bytes`, written independently of the code under test (from
// RFC 4648's table), to build cursors the encoder would never make.
std::string b64url(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  int bits = 0;
  unsigned buffer = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += table[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += table[(buffer << (6 - bits)) & 63];
  return out;
}

bool url_safe(const std::string& s) {
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(list_cursor)

BOOST_AUTO_TEST_CASE(round_trips_from_zero_to_int64_max) {
  for (std::int64_t p : {std::int64_t{0}, std::int64_t{1}, std::int64_t{9}, std::int64_t{10}, std::int64_t{255},
                         std::int64_t{1'000'000'007}, std::int64_t{1} << 53, int64_max - 1, int64_max}) {
    const auto cursor = encode_list_cursor(p);
    BOOST_TEST(!cursor.empty());
    BOOST_TEST(cursor.size() <= 64u, cursor);
    BOOST_TEST(url_safe(cursor), cursor);
    auto back = decode_list_cursor(cursor);
    BOOST_REQUIRE_MESSAGE(back.has_value(), cursor);
    BOOST_TEST(*back == p);
  }
}

BOOST_AUTO_TEST_CASE(is_versioned_base64url_of_the_decimal_position) {
  // The format is part of the API's promise that old cursors keep working: pin it.
  BOOST_TEST(encode_list_cursor(0) == b64url("v1:0"));
  BOOST_TEST(encode_list_cursor(42) == b64url("v1:42"));
  BOOST_TEST(encode_list_cursor(int64_max) == b64url("v1:9223372036854775807"));
  BOOST_TEST(encode_list_cursor(42) == "djE6NDI");
}

BOOST_AUTO_TEST_CASE(different_positions_give_different_cursors) {
  BOOST_TEST(encode_list_cursor(1) != encode_list_cursor(10));
  BOOST_TEST(encode_list_cursor(12) != encode_list_cursor(21));
}

BOOST_AUTO_TEST_CASE(a_negative_position_is_written_as_zero) {
  BOOST_TEST(encode_list_cursor(-1) == encode_list_cursor(0));
  BOOST_TEST(*decode_list_cursor(encode_list_cursor(std::numeric_limits<std::int64_t>::min())) == 0);
}

BOOST_AUTO_TEST_CASE(refuses_payloads_the_encoder_never_makes) {
  for (const char* payload : {"",
                              "v1:",
                              "v1",
                              "v2:5",
                              "V1:5",
                              "v1:-5",
                              "v1:+5",
                              "v1: 5",
                              "v1:5 ",
                              "v1:05",
                              "v1:00",
                              "v1:5x",
                              "v1:0x10",
                              "v1:1e3",
                              "v1:5.0",
                              "v1:9223372036854775808",
                              "v1:18446744073709551616",
                              "v1:99999999999999999999999999",
                              "v1:5:6",
                              "5",
                              "v1:\xff",
                              "v1:5\n",
                              "xv1:5"})
    BOOST_TEST(!decode_list_cursor(b64url(payload)).has_value(), payload);
  BOOST_TEST(!decode_list_cursor(b64url(std::string("v1:5\0", 5))).has_value());
  BOOST_TEST(!decode_list_cursor(b64url(std::string("v1:\0"
                                                    "5",
                                                    5)))
                  .has_value());
}

BOOST_AUTO_TEST_CASE(refuses_non_canonical_base64url) {
  const auto good = encode_list_cursor(42);  // "djE6NDI": 7 characters, the last carrying 2 spare bits
  BOOST_TEST(decode_list_cursor(good).has_value());
  for (const std::string& bad :
       std::vector<std::string>{good + "=", good + "==", good + "A", good.substr(0, 6) + "J", std::string("djE6ND+"),
                                std::string("djE6ND/"), "djE6 NDI", good + " ", " " + good, good + "\n", good + "%3D",
                                std::string("djE6NDI").insert(3, std::string(1, '\0')), std::string(""), "=", "A",
                                "!!!!", "djE6NDI.", "ZGpFNk5ESQ"})
    BOOST_TEST(!decode_list_cursor(bad).has_value(), bad);
  // A length of 4n+1 encodes no byte string, even when the extra character is a zero sextet.
  const auto whole = encode_list_cursor(100);  // "v1:100": 6 bytes, 8 characters, no spare bits
  BOOST_REQUIRE_EQUAL(whole.size(), 8u);
  BOOST_TEST(!decode_list_cursor(whole + "A").has_value());
  BOOST_TEST(!decode_list_cursor(whole + "AA").has_value());
  // The spare bits of the last character must be zero: 'I' (001000) ends "v1:42"; 'J' (001001) does not.
  BOOST_TEST(good.back() == 'I');
}

BOOST_AUTO_TEST_CASE(refuses_over_long_cursors) {
  BOOST_TEST(!decode_list_cursor(std::string(65, 'A')).has_value());
  BOOST_TEST(!decode_list_cursor(std::string(100'000, 'A')).has_value());
  // A payload with many leading zeros is refused for its zeros, and one above 64 characters
  // for its length, before anything is decoded.
  BOOST_TEST(!decode_list_cursor(b64url("v1:" + std::string(60, '0') + "1")).has_value());
}

BOOST_AUTO_TEST_CASE(anything_it_accepts_is_what_the_encoder_makes) {
  // Random strings over the alphabet (and a few other characters): whenever one decodes, it is
  // exactly the encoding of what it decodes to.
  std::mt19937_64 rng(20261201);
  const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .";
  int accepted = 0;
  for (int i = 0; i < 200'000; ++i) {
    std::string s = "djE6";  // "v1:" so that some of them decode
    const size_t n = rng() % 10;
    for (size_t k = 0; k < n; ++k) s += chars[rng() % chars.size()];
    if (auto p = decode_list_cursor(s)) {
      ++accepted;
      BOOST_TEST_REQUIRE(encode_list_cursor(*p) == s);
    }
  }
  BOOST_TEST(accepted > 0);
}

BOOST_AUTO_TEST_SUITE_END()
