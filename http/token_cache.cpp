#include "http/token_cache.hpp"

namespace tasks::http {

std::variant<std::string, TokenError> TokenCache::verify(const std::string& token, const TokenRules& rules,
                                                         long long now_seconds) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = verified_.find(token); it != verified_.end()) {
      if (auto err = check_token_times(it->second.claims, rules, now_seconds)) return *err;
      return it->second.user;
    }
  }
  nlohmann::json claims;
  auto result = verify_token(token, rules, now_seconds, claims);
  if (const auto* user = std::get_if<std::string>(&result)) {
    std::lock_guard lock(mutex_);
    if (verified_.size() >= capacity_) verified_.clear();
    verified_.insert_or_assign(token, Verified{*user, std::move(claims)});
  }
  return result;
}

size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return verified_.size();
}

}  // namespace tasks::http
