#pragma once

// The API as one user sees it: a token of its own and a keep-alive connection to one taskd.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/taskd_process.hpp"

namespace tasks::testing {

// The taskd that UserApi(prefix) talks to: the test binary's shared one (set by its fixture).
void set_default_taskd(TaskdProcess* taskd);
TaskdProcess& default_taskd();

// A distinct user id for one test.
std::string unique_user(const std::string& prefix);

// The API as one user sees it.
class UserApi {
 public:
  UserApi(TaskdProcess& taskd, std::string user);
  explicit UserApi(const std::string& prefix);  // a fresh user on the default taskd

  const std::string& user() const { return user_; }
  std::vector<std::string> auth(std::vector<std::string> extra = {}) const;

  HttpResponse create(const nlohmann::json& body, std::vector<std::string> extra = {});
  HttpResponse get(const std::string& id);
  HttpResponse list(const std::string& query = "");
  HttpResponse patch(const std::string& id, const nlohmann::json& body, std::vector<std::string> extra = {});
  HttpResponse complete(const std::string& id, std::vector<std::string> extra = {});
  HttpResponse uncomplete(const std::string& id, std::vector<std::string> extra = {});
  HttpResponse remove(const std::string& id, std::vector<std::string> extra = {});

  // Creates a task and returns its id (the test fails when that does not work).
  std::string create_id(const std::string& title, std::optional<std::string> due = std::nullopt);

  HttpClient& http() { return http_; }

 private:
  std::string user_;
  std::string token_;
  HttpClient http_;
};

}  // namespace tasks::testing
