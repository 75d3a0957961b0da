#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "http/jwt.hpp"
#include "http/token_cache.hpp"

using namespace tasks::http;

namespace {

const std::string secret = "unit-test-secret-0123456789abcdef0123456789";
constexpr long long now = 1'800'000'000;

std::string verified_user(const std::string& token) {
  auto r = verify_token(token, TokenRules{secret}, now);
  if (auto* e = std::get_if<TokenError>(&r)) return "refused: " + e->reason;
  return std::get<std::string>(r);
}

// A token built by hand with any algorithm and claims (libjwt), signed with `key`.
std::string forge(jwt_alg_t alg, const std::string& key, const std::string& claims_json) {
  jwt_t* j = nullptr;
  jwt_new(&j);
  jwt_add_grants_json(j, claims_json.c_str());
  jwt_set_alg(j, alg, alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
              alg == JWT_ALG_NONE ? 0 : static_cast<int>(key.size()));
  char* s = jwt_encode_str(j);
  std::string out = s ? s : "";
  free(s);
  jwt_free(j);
  return out;
}

// --- hand-built tokens: any header, any claims, signed or not --------------------------------

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

std::string hs256(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &n);
  return std::string(reinterpret_cast<const char*>(mac), n);
}

// header and claims as base64url segments, signed with HS256 over exactly those segments.
std::string sign_segments(const std::string& header_segment, const std::string& claims_segment,
                          const std::string& key = secret) {
  const auto signed_part = header_segment + "." + claims_segment;
  return signed_part + "." + b64url(hs256(key, signed_part));
}

std::string sign(const std::string& header_json, const std::string& claims_json, const std::string& key = secret) {
  return sign_segments(b64url(header_json), b64url(claims_json), key);
}

const std::string hs256_header = R"({"alg":"HS256","typ":"JWT"})";

std::string claims(const std::string& extra = "") {
  return R"({"sub":"alice","exp":)" + std::to_string(now + 60) + extra + "}";
}

std::string good_token() {
  return sign(hs256_header, claims());
}

std::string verified_with(const std::string& token, const TokenRules& rules) {
  auto r = verify_token(token, rules, now);
  if (auto* e = std::get_if<TokenError>(&r)) return "refused: " + e->reason;
  return std::get<std::string>(r);
}

bool refused(const std::string& result, const std::string& reason_part) {
  return result.rfind("refused: ", 0) == 0 && result.find(reason_part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(jwt_tokens)

BOOST_AUTO_TEST_CASE(accepts_a_minted_token) {
  BOOST_TEST(verified_user(mint_token("alice", secret, std::chrono::seconds(60), now)) == "alice");
}

BOOST_AUTO_TEST_CASE(refuses_expired_tokens) {
  BOOST_TEST(verified_user(mint_token("alice", secret, std::chrono::seconds(60), now - 61)).find("expired") !=
             std::string::npos);
  BOOST_TEST(verified_user(mint_token("alice", secret, std::chrono::seconds(60), now - 60)).find("expired") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_a_wrong_signature) {
  auto token = mint_token("alice", "another-secret-entirely-0123456789abcdef", std::chrono::seconds(60), now);
  BOOST_TEST(verified_user(token).rfind("refused", 0) == 0);
  auto tampered = mint_token("alice", secret, std::chrono::seconds(60), now);
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  BOOST_TEST(verified_user(tampered).rfind("refused", 0) == 0);
}

BOOST_AUTO_TEST_CASE(refuses_other_algorithms) {
  const auto claims = R"({"sub":"alice","exp":)" + std::to_string(now + 60) + "}";
  BOOST_TEST(verified_user(forge(JWT_ALG_HS384, secret, claims)).rfind("refused", 0) == 0);
  BOOST_TEST(verified_user(forge(JWT_ALG_HS512, secret, claims)).rfind("refused", 0) == 0);
  BOOST_TEST(verified_user(forge(JWT_ALG_NONE, "", claims)).rfind("refused", 0) == 0);
  BOOST_TEST(verified_user(forge(JWT_ALG_HS256, secret, claims)) == "alice");
}

BOOST_AUTO_TEST_CASE(requires_sub_and_exp) {
  BOOST_TEST(verified_user(forge(JWT_ALG_HS256, secret, R"({"sub":"alice"})")).find("exp") != std::string::npos);
  BOOST_TEST(verified_user(forge(JWT_ALG_HS256, secret, R"({"exp":)" + std::to_string(now + 60) + "}")).find("sub") !=
             std::string::npos);
  BOOST_TEST(verified_user(forge(JWT_ALG_HS256, secret, R"({"sub":"","exp":)" + std::to_string(now + 60) + "}"))
                 .rfind("refused", 0) == 0);
}

BOOST_AUTO_TEST_CASE(honours_not_before) {
  BOOST_TEST(verified_user(forge(JWT_ALG_HS256, secret,
                                 R"({"sub":"a","exp":)" + std::to_string(now + 60) + R"(,"nbf":)" +
                                     std::to_string(now + 30) + "}"))
                 .find("not valid yet") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_garbage) {
  for (const char* bad : {"", "abc", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9..", "\xff\xfe.\x01.\x02"})
    BOOST_TEST(verified_user(bad).rfind("refused", 0) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(jwt_strict)

BOOST_AUTO_TEST_CASE(a_hand_built_hs256_token_verifies) {
  BOOST_TEST(verified_user(good_token()) == "alice");
  BOOST_TEST(verified_user(sign(R"({"alg":"HS256"})", claims())) == "alice");
  BOOST_TEST(verified_user(sign(R"({"alg":"HS256","typ":"JWT","kid":"k1"})", claims(R"(,"iat":1)"))) == "alice");
}

BOOST_AUTO_TEST_CASE(rfc7515_example_a1_signature_verifies) {
  // RFC 7515 Appendix A.1 (HS256). It has no sub, so the refusal that comes after the
  // signature check shows that the signature was accepted; one changed bit is not.
  const std::string key =
      "\x03\x23\x35\x4b\x2b\x0f\xa5\xbc\x83\x7e\x06\x65\x77\x7b\xa6\x8f\x5a\xb3\x28\xe6\xf0\x54\xc9\x28\xa9\x0f"
      "\x84\xb2\xd2\x50\x2e\xbf\xd3\xfb\x5a\x92\xd2\x06\x47\xef\x96\x8a\xb4\xc3\x77\x62\x3d\x22\x3d\x2e\x21\x72"
      "\x05\x2e\x4f\x08\xc0\xcd\x9a\xf5\x67\xd0\x80\xa3";
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
      "bS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  BOOST_REQUIRE_EQUAL(key.size(), 64u);
  const TokenRules rules{key};
  auto r = verify_token(token, rules, 1300819000);
  BOOST_REQUIRE(std::holds_alternative<TokenError>(r));
  BOOST_TEST(std::get<TokenError>(r).reason == "the token has no sub claim");
  auto tampered = token;
  tampered[tampered.size() - 2] = 'k';
  r = verify_token(tampered, rules, 1300819000);
  BOOST_TEST(std::get<TokenError>(r).reason == "the token signature does not verify");
  // And after its exp it is expired (the times are checked before the claims' content).
  r = verify_token(token, rules, 1300819380);
  BOOST_TEST(std::get<TokenError>(r).reason == "the token has expired");
}

BOOST_AUTO_TEST_CASE(alg_must_be_exactly_hs256) {
  for (const char* header :
       {R"({"alg":"hs256"})", R"({"alg":"Hs256"})", R"({"alg":"HS256 "})", R"({"alg":" HS256"})", R"({"alg":"HS2560"})",
        R"({"alg":"HS512"})", R"({"alg":"HS384"})", R"({"alg":"none"})", R"({"alg":"None"})", R"({"alg":"RS256"})",
        R"({"alg":""})", R"({"alg":null})", R"({"alg":256})", R"({"alg":["HS256"]})", R"({"typ":"JWT"})", R"({})",
        R"({"ALG":"HS256"})", "{\"alg\":\"HS256\\u0000\"}"})
    BOOST_TEST(refused(verified_user(sign(header, claims())), "only alg HS256"), header);
  // alg none as libjwt writes it: no signature segment at all.
  BOOST_TEST(refused(verified_user(forge(JWT_ALG_NONE, "", claims())), "empty segment"));
  BOOST_TEST(refused(verified_user(b64url(R"({"alg":"none"})") + "." + b64url(claims()) + "."), "empty segment"));
  // HS512 and HS384 made by libjwt with the right secret.
  BOOST_TEST(refused(verified_user(forge(JWT_ALG_HS512, secret, claims())), "only alg HS256"));
  BOOST_TEST(refused(verified_user(forge(JWT_ALG_HS384, secret, claims())), "only alg HS256"));
}

BOOST_AUTO_TEST_CASE(crit_is_refused) {
  for (const char* header : {R"({"alg":"HS256","crit":["exp"]})", R"({"alg":"HS256","crit":[]})",
                             R"({"alg":"HS256","b64":false,"crit":["b64"]})", R"({"alg":"HS256","crit":null})"})
    BOOST_TEST(refused(verified_user(sign(header, claims())), "crit"), header);
}

BOOST_AUTO_TEST_CASE(a_nul_never_truncates_the_token) {
  const auto token = good_token();
  BOOST_REQUIRE(verified_user(token) == "alice");
  BOOST_TEST(refused(verified_user(token + std::string(1, '\0')), "base64url characters"));
  BOOST_TEST(refused(verified_user(token + std::string(1, '\0') + "junk"), "base64url characters"));
  BOOST_TEST(refused(verified_user(token + std::string("\0.x.y", 5)), "base64url characters"));
  auto inside = token;
  inside.insert(token.size() / 2, 1, '\0');
  BOOST_TEST(refused(verified_user(inside), "base64url characters"));
  // Cut before the signature with a NUL: what libjwt would have read as "header.claims".
  const auto last_dot = token.rfind('.');
  BOOST_TEST(refused(verified_user(token.substr(0, last_dot) + std::string(1, '\0') + token.substr(last_dot)),
                     "base64url characters"));
}

BOOST_AUTO_TEST_CASE(nothing_may_follow_the_signature) {
  const auto token = good_token();
  BOOST_TEST(refused(verified_user(token + "A"), "signature"));
  BOOST_TEST(refused(verified_user(token + "AAAA"), "signature"));
  BOOST_TEST(refused(verified_user(token + "."), "three base64url segments"));
  BOOST_TEST(refused(verified_user(token + ".e30"), "three base64url segments"));
  for (const std::string& junk : std::vector<std::string>{" ", "\n", "\r\n", "\t", "=", "==", "!", "%00", "\xff"})
    BOOST_TEST(refused(verified_user(token + junk), "base64url characters"), junk);
  BOOST_TEST(refused(verified_user(" " + token), "base64url characters"));
}

BOOST_AUTO_TEST_CASE(padding_and_other_base64_alphabets_are_refused) {
  // Segments padded with '=' (the claims are chosen so that their base64 needs padding).
  const std::string padded_claims = b64url(claims(R"(,"x":"y")")) + "=";
  BOOST_TEST(refused(verified_user(sign_segments(b64url(hs256_header), padded_claims)), "base64url characters"));
  BOOST_TEST(refused(verified_user(good_token() + "="), "base64url characters"));
  // Standard base64 characters '+' and '/' in place of '-' and '_'.
  std::string token = good_token();
  for (char& c : token) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (token != good_token()) BOOST_TEST(refused(verified_user(token), "base64url characters"));
  BOOST_TEST(refused(verified_user(sign_segments(b64url(hs256_header), "ab+c")), "base64url characters"));
  BOOST_TEST(refused(verified_user(sign_segments(b64url(hs256_header), "ab/c")), "base64url characters"));
}

BOOST_AUTO_TEST_CASE(non_canonical_base64url_is_refused) {
  // A header segment of length 4n+1 decodes to no byte string.
  BOOST_TEST(refused(verified_user(sign_segments(b64url(hs256_header) + "A", b64url(claims()))), "header"));
  // Spare bits set in the last character: another string for the same bytes, correctly signed.
  std::string header = R"({"alg":"HS256"})";
  while (header.size() % 3 != 1) header.insert(1, " ");  // the last character then carries 4 spare bits
  auto segment = b64url(header);
  BOOST_REQUIRE(verified_user(sign_segments(segment, b64url(claims()))) == "alice");
  segment.back() = static_cast<char>(segment.back() + 1);  // 'Q' -> 'R', 'g' -> 'h', 'w' -> 'x': a spare bit
  BOOST_TEST(refused(verified_user(sign_segments(segment, b64url(claims()))), "header is not valid base64url"));
  // The same in the claims.
  std::string body = claims();
  while (body.size() % 3 != 1) body.insert(1, " ");
  auto claims_segment = b64url(body);
  BOOST_REQUIRE(verified_user(sign_segments(b64url(hs256_header), claims_segment)) == "alice");
  claims_segment.back() = static_cast<char>(claims_segment.back() + 1);
  BOOST_TEST(
      refused(verified_user(sign_segments(b64url(hs256_header), claims_segment)), "claims are not valid base64url"));
}

BOOST_AUTO_TEST_CASE(wrong_or_malformed_signatures_are_refused) {
  const auto token = good_token();
  const auto dot = token.rfind('.');
  BOOST_TEST(refused(verified_user(sign(hs256_header, claims(), "another-secret-entirely-0123456789abcdef")),
                     "does not verify"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, claims(), "")), "does not verify"));
  // A signature of another token, the right length.
  BOOST_TEST(refused(verified_user(token.substr(0, dot) + sign(hs256_header, claims(",\"x\":1")).substr(dot)),
                     "does not verify"));
  // Too short, too long, or empty.
  BOOST_TEST(refused(verified_user(token.substr(0, token.size() - 1)), "signature"));
  BOOST_TEST(refused(verified_user(token.substr(0, token.size() - 4)), "signature"));
  BOOST_TEST(refused(verified_user(token.substr(0, dot + 1) + b64url(std::string(31, 'x'))), "signature"));
  BOOST_TEST(refused(verified_user(token.substr(0, dot + 1) + b64url(std::string(64, 'x'))), "signature"));
  BOOST_TEST(refused(verified_user(token.substr(0, dot + 1)), "empty segment"));
  // Claims changed after signing.
  const auto first_dot = token.find('.');
  const auto other_claims = b64url(R"({"sub":"mallory","exp":)" + std::to_string(now + 60) + "}");
  BOOST_TEST(
      refused(verified_user(token.substr(0, first_dot + 1) + other_claims + token.substr(dot)), "does not verify"));
}

BOOST_AUTO_TEST_CASE(every_single_change_to_a_token_is_refused) {
  const auto token = good_token();
  const std::string replacements = "Aa0-_.=+/ \x01";
  int tried = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    auto removed = token;
    removed.erase(i, 1);
    BOOST_TEST_REQUIRE(verified_user(removed).rfind("refused", 0) == 0, removed);
    for (char c : replacements) {
      auto inserted = token;
      inserted.insert(i, 1, c);
      BOOST_TEST_REQUIRE(verified_user(inserted).rfind("refused", 0) == 0, inserted);
      if (token[i] == c) continue;
      auto replaced = token;
      replaced[i] = c;
      BOOST_TEST_REQUIRE(verified_user(replaced).rfind("refused", 0) == 0, replaced);
      tried += 2;
    }
  }
  BOOST_TEST(tried > 1000);
}

BOOST_AUTO_TEST_CASE(exp_must_be_a_number) {
  for (const char* exp : {R"("9999999999")", "true", "null", "[9999999999]", R"({"t":9999999999})", R"("")"}) {
    const std::string body = std::string(R"({"sub":"alice","exp":)") + exp + "}";
    BOOST_TEST(refused(verified_user(sign(hs256_header, body)), "exp claim must be a number"), exp);
  }
  BOOST_TEST(refused(verified_user(sign(hs256_header, R"({"sub":"alice"})")), "no exp claim"));
  // Fractions and exponents are numbers (NumericDate allows them).
  BOOST_TEST(verified_user(sign(hs256_header, R"({"sub":"alice","exp":1800000000.5})")) == "alice");
  BOOST_TEST(verified_user(sign(hs256_header, R"({"sub":"alice","exp":1.8000001e9})")) == "alice");
  BOOST_TEST(verified_user(sign(hs256_header, R"({"sub":"alice","exp":18446744073709551615})")) == "alice");
  BOOST_TEST(verified_user(sign(hs256_header, R"({"sub":"alice","exp":1e300})")) == "alice");
  BOOST_TEST(refused(verified_user(sign(hs256_header, R"({"sub":"alice","exp":1799999999.999})")), "expired"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, R"({"sub":"alice","exp":-1})")), "expired"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, R"({"sub":"alice","exp":-9223372036854775808})")), "expired"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, R"({"sub":"alice","exp":1e999})")), "not valid JSON"));
}

BOOST_AUTO_TEST_CASE(nbf_and_iat_must_be_numbers_when_present) {
  for (const char* nbf : {R"("0")", "false", "null", "[0]", "{}"})
    BOOST_TEST(refused(verified_user(sign(hs256_header, claims(std::string(R"(,"nbf":)") + nbf))),
                       "nbf claim must be a number"),
               nbf);
  for (const char* iat : {R"("0")", "true", "null", "[]"})
    BOOST_TEST(refused(verified_user(sign(hs256_header, claims(std::string(R"(,"iat":)") + iat))),
                       "iat claim must be a number"),
               iat);
  // iat is only read, not judged: one in the future is not a refusal.
  BOOST_TEST(verified_user(sign(hs256_header, claims(R"(,"iat":)" + std::to_string(now + 3600)))) == "alice");
  BOOST_TEST(verified_user(sign(hs256_header, claims(R"(,"nbf":)" + std::to_string(now - 1)))) == "alice");
}

BOOST_AUTO_TEST_CASE(exp_and_nbf_at_the_edges_without_leeway) {
  auto with = [](long long exp, const std::string& extra = "") {
    return verified_user(sign(hs256_header, R"({"sub":"alice","exp":)" + std::to_string(exp) + extra + "}"));
  };
  BOOST_TEST(with(now + 1) == "alice");       // valid while now < exp
  BOOST_TEST(refused(with(now), "expired"));  // exactly at exp: expired
  BOOST_TEST(refused(with(now - 1), "expired"));
  BOOST_TEST(with(now + 60, R"(,"nbf":)" + std::to_string(now)) == "alice");  // valid from nbf on
  BOOST_TEST(refused(with(now + 60, R"(,"nbf":)" + std::to_string(now + 1)), "not valid yet"));
  BOOST_TEST(refused(with(now + 60, R"(,"nbf":)" + std::to_string(now) + ".5"), "not valid yet"));
}

BOOST_AUTO_TEST_CASE(leeway_widens_both_ends_by_exactly_its_length) {
  const TokenRules rules{secret, std::chrono::seconds(30)};
  auto with = [&](long long exp, const std::string& extra = "") {
    return verified_with(sign(hs256_header, R"({"sub":"alice","exp":)" + std::to_string(exp) + extra + "}"), rules);
  };
  // now < exp + leeway
  BOOST_TEST(with(now - 29) == "alice");
  BOOST_TEST(refused(with(now - 30), "expired"));
  BOOST_TEST(refused(with(now - 31), "expired"));
  // now >= nbf - leeway
  BOOST_TEST(with(now + 60, R"(,"nbf":)" + std::to_string(now + 30)) == "alice");
  BOOST_TEST(refused(with(now + 60, R"(,"nbf":)" + std::to_string(now + 31)), "not valid yet"));
  // A minted token just expired is accepted within the leeway.
  BOOST_TEST(verified_with(mint_token("alice", secret, std::chrono::seconds(60), now - 61), rules) == "alice");
  BOOST_TEST(refused(verified_with(mint_token("alice", secret, std::chrono::seconds(60), now - 90), rules), "expired"));
}

BOOST_AUTO_TEST_CASE(duplicate_member_names_are_refused) {
  BOOST_TEST(refused(
      verified_user(sign(hs256_header, R"({"sub":"alice","sub":"mallory","exp":)" + std::to_string(now + 60) + "}")),
      "claims has a member name twice"));
  BOOST_TEST(
      refused(verified_user(sign(hs256_header, R"({"sub":"alice","exp":1,"exp":)" + std::to_string(now + 60) + "}")),
              "claims has a member name twice"));
  BOOST_TEST(
      refused(verified_user(sign(R"({"alg":"none","alg":"HS256"})", claims())), "header has a member name twice"));
  BOOST_TEST(
      refused(verified_user(sign(R"({"alg":"HS256","alg":"HS256"})", claims())), "header has a member name twice"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, claims(R"(,"x":{"a":1,"a":2})"))), "twice"));
  // The same name in different objects is no duplicate.
  BOOST_TEST(verified_user(sign(hs256_header, claims(R"(,"x":{"sub":1,"y":{"sub":2}},"z":[{"a":1},{"a":1}])"))) ==
             "alice");
  // "su\u0062" is "sub" once unescaped: still the same name.
  BOOST_TEST(refused(verified_user(sign(hs256_header, R"({"sub":"alice","su\u0062":"mallory","exp":)" +
                                                          std::to_string(now + 60) + "}")),
                     "twice"));
}

BOOST_AUTO_TEST_CASE(header_and_claims_must_be_json_objects) {
  BOOST_TEST(refused(verified_user(sign("[]", claims())), "header is not a JSON object"));
  BOOST_TEST(refused(verified_user(sign(R"("HS256")", claims())), "header is not a JSON object"));
  BOOST_TEST(refused(verified_user(sign(R"({"alg":"HS256")", claims())), "header is not valid JSON"));
  BOOST_TEST(refused(verified_user(sign(R"({"alg":"HS256"} {})", claims())), "header is not valid JSON"));
  BOOST_TEST(refused(verified_user(sign("{\"alg\":\"HS256\",\"x\":\"\xff\"}", claims())), "header is not valid JSON"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, "[]")), "claims is not a JSON object"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, "null")), "claims is not a JSON object"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, "{")), "claims is not valid JSON"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, claims() + "x")), "claims is not valid JSON"));
  BOOST_TEST(refused(verified_user(sign(hs256_header, std::string("{\"sub\":\"a\xc3\",\"exp\":1}"))),
                     "claims is not valid JSON"));
}

BOOST_AUTO_TEST_CASE(sub_must_be_an_acceptable_string) {
  auto with_sub = [](const std::string& sub_json) {
    return verified_user(sign(hs256_header, R"({"sub":)" + sub_json + R"(,"exp":)" + std::to_string(now + 60) + "}"));
  };
  BOOST_TEST(refused(with_sub("42"), "sub claim must be a string"));
  BOOST_TEST(refused(with_sub(R"(["alice"])"), "sub claim must be a string"));
  BOOST_TEST(refused(with_sub("null"), "sub claim must be a string"));
  BOOST_TEST(refused(with_sub(R"("")"), "not an acceptable user id"));
  BOOST_TEST(refused(with_sub(R"("a\u0000b")"), "not an acceptable user id"));
  BOOST_TEST(refused(with_sub(R"("a\nb")"), "not an acceptable user id"));
  BOOST_TEST(refused(with_sub(R"("a\u007fb")"), "not an acceptable user id"));
  BOOST_TEST(with_sub("\"" + std::string(255, 'u') + "\"") == std::string(255, 'u'));
  BOOST_TEST(refused(with_sub("\"" + std::string(256, 'u') + "\""), "not an acceptable user id"));
  BOOST_TEST(with_sub(R"("J\u00fcrgen")") == "J\xc3\xbcrgen");
}

BOOST_AUTO_TEST_CASE(issuer_is_checked_only_when_configured) {
  const TokenRules rules{secret, std::chrono::seconds(0), "https://issuer.example"};
  BOOST_TEST(verified_with(sign(hs256_header, claims(R"(,"iss":"https://issuer.example")")), rules) == "alice");
  BOOST_TEST(refused(verified_with(good_token(), rules), "no iss claim"));
  BOOST_TEST(refused(verified_with(sign(hs256_header, claims(R"(,"iss":"https://issuer.example/")")), rules),
                     "not the expected issuer"));
  BOOST_TEST(refused(verified_with(sign(hs256_header, claims(R"(,"iss":"HTTPS://ISSUER.EXAMPLE")")), rules),
                     "not the expected issuer"));
  BOOST_TEST(refused(verified_with(sign(hs256_header, claims(R"(,"iss":["https://issuer.example"])")), rules),
                     "not the expected issuer"));
  BOOST_TEST(refused(verified_with(sign(hs256_header, claims(R"(,"iss":null)")), rules), "not the expected issuer"));
  // Not configured: any iss, or none.
  BOOST_TEST(verified_user(sign(hs256_header, claims(R"(,"iss":"anyone")"))) == "alice");
  BOOST_TEST(verified_user(sign(hs256_header, claims(R"(,"iss":17)"))) == "alice");
}

BOOST_AUTO_TEST_CASE(audience_is_checked_only_when_configured) {
  const TokenRules rules{secret, std::chrono::seconds(0), "", "taskd"};
  BOOST_TEST(verified_with(sign(hs256_header, claims(R"(,"aud":"taskd")")), rules) == "alice");
  BOOST_TEST(verified_with(sign(hs256_header, claims(R"(,"aud":["other","taskd"])")), rules) == "alice");
  BOOST_TEST(verified_with(sign(hs256_header, claims(R"(,"aud":[5,null,"taskd"])")), rules) == "alice");
  BOOST_TEST(refused(verified_with(good_token(), rules), "no aud claim"));
  BOOST_TEST(
      refused(verified_with(sign(hs256_header, claims(R"(,"aud":"other")")), rules), "does not name this service"));
  BOOST_TEST(
      refused(verified_with(sign(hs256_header, claims(R"(,"aud":"Taskd")")), rules), "does not name this service"));
  BOOST_TEST(refused(verified_with(sign(hs256_header, claims(R"(,"aud":[])")), rules), "does not name this service"));
  BOOST_TEST(
      refused(verified_with(sign(hs256_header, claims(R"(,"aud":[["taskd"]])")), rules), "does not name this service"));
  BOOST_TEST(refused(verified_with(sign(hs256_header, claims(R"(,"aud":{"taskd":true})")), rules),
                     "does not name this service"));
  BOOST_TEST(
      refused(verified_with(sign(hs256_header, claims(R"(,"aud":"taskd ")")), rules), "does not name this service"));
  // Both configured: both must hold.
  const TokenRules both{secret, std::chrono::seconds(0), "iss-1", "taskd"};
  BOOST_TEST(verified_with(sign(hs256_header, claims(R"(,"iss":"iss-1","aud":"taskd")")), both) == "alice");
  BOOST_TEST(refused(verified_with(sign(hs256_header, claims(R"(,"aud":"taskd")")), both), "no iss claim"));
  BOOST_TEST(refused(verified_with(sign(hs256_header, claims(R"(,"iss":"iss-1")")), both), "no aud claim"));
  // Not configured: any aud.
  BOOST_TEST(verified_user(sign(hs256_header, claims(R"(,"aud":"someone-else")"))) == "alice");
}

BOOST_AUTO_TEST_CASE(tokens_are_at_most_8_kib) {
  // The largest padding that keeps the token within 8192 bytes, and one byte more.
  auto padded = [](size_t n) { return sign(hs256_header, claims(R"(,"pad":")" + std::string(n, 'p') + "\"")); };
  size_t n = 0;
  while (padded(n + 1).size() <= 8192) ++n;
  BOOST_TEST(padded(n).size() > 8180u);
  BOOST_TEST(verified_user(padded(n)) == "alice");
  BOOST_REQUIRE(padded(n + 1).size() > 8192u);
  BOOST_TEST(refused(verified_user(padded(n + 1)), "longer than 8 KiB"));
  BOOST_TEST(refused(verified_user(std::string(1'000'000, 'A')), "longer than 8 KiB"));
}

BOOST_AUTO_TEST_CASE(deeply_nested_claims_do_not_hurt) {
  const std::string deep = std::string(3000, '[') + std::string(3000, ']');
  BOOST_TEST(verified_user(sign(hs256_header, claims(R"(,"x":)" + deep))) == "alice");
  BOOST_TEST(refused(verified_user(sign(hs256_header, claims(R"(,"x":)" + std::string(3000, '[')))), "not valid JSON"));
}

BOOST_AUTO_TEST_CASE(every_refusal_has_a_short_reason) {
  for (const std::string& token :
       std::vector<std::string>{"", "a", "a.b", "a.b.c", "a..c", good_token() + "x",
                                sign(R"({"alg":"hs256"})", claims()), sign(hs256_header, R"({"sub":"a"})")}) {
    auto r = verify_token(token, TokenRules{secret}, now);
    BOOST_REQUIRE(std::holds_alternative<TokenError>(r));
    const auto& reason = std::get<TokenError>(r).reason;
    BOOST_TEST(!reason.empty());
    BOOST_TEST(reason.size() < 100u, reason);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// The cache of verified tokens changes nothing anyone can observe but the cost.
BOOST_AUTO_TEST_SUITE(token_cache)

std::string through(TokenCache& cache, const std::string& token, long long at, const TokenRules& rules = {secret}) {
  auto r = cache.verify(token, rules, at);
  if (auto* e = std::get_if<TokenError>(&r)) return "refused: " + e->reason;
  return std::get<std::string>(r);
}

BOOST_AUTO_TEST_CASE(a_remembered_token_still_expires) {
  TokenCache cache;
  const auto token = mint_token("alice", secret, std::chrono::seconds(60), now);
  BOOST_TEST(through(cache, token, now) == "alice");
  BOOST_TEST(cache.size() == 1u);
  BOOST_TEST(through(cache, token, now + 59) == "alice");
  BOOST_TEST(through(cache, token, now + 60) == "refused: the token has expired");
  // With a leeway the same remembered token is good a little longer, as without the cache.
  TokenRules lenient{secret, std::chrono::seconds(30)};
  BOOST_TEST(through(cache, token, now + 80, lenient) == "alice");
}

BOOST_AUTO_TEST_CASE(a_token_not_yet_valid_is_refused_then_accepted) {
  TokenCache cache;
  const auto token =
      forge(JWT_ALG_HS256, secret,
            R"({"sub":"bob","exp":)" + std::to_string(now + 600) + R"(,"nbf":)" + std::to_string(now + 100) + "}");
  BOOST_TEST(through(cache, token, now) == "refused: the token is not valid yet");
  BOOST_TEST(cache.size() == 0u);  // refusals are not remembered
  BOOST_TEST(through(cache, token, now + 100) == "bob");
  BOOST_TEST(through(cache, token, now + 50) == "refused: the token is not valid yet");
}

BOOST_AUTO_TEST_CASE(a_changed_token_is_verified_again) {
  TokenCache cache;
  const auto token = mint_token("alice", secret, std::chrono::seconds(60), now);
  BOOST_TEST(through(cache, token, now) == "alice");
  auto tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  BOOST_TEST(through(cache, tampered, now).find("refused") == 0u);
  BOOST_TEST(through(cache, token + "x", now).find("refused") == 0u);
}

BOOST_AUTO_TEST_CASE(a_full_cache_starts_over) {
  TokenCache cache(3);
  for (int i = 0; i < 7; ++i)
    BOOST_TEST(through(cache, mint_token("u" + std::to_string(i), secret, std::chrono::seconds(60), now), now) ==
               "u" + std::to_string(i));
  BOOST_TEST(cache.size() <= 3u);
}

BOOST_AUTO_TEST_SUITE_END()
