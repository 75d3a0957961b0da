#include <jwt.h>
#include <boost/test/unit_test.hpp>

#include "http/jwt.hpp"

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
