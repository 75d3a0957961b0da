#include "tests/support/user_api.hpp"

#include <boost/test/unit_test.hpp>
#include <stdexcept>

#include "core/ids.hpp"

namespace tasks::testing {

namespace {
TaskdProcess* shared_taskd = nullptr;
}  // namespace

void set_default_taskd(TaskdProcess* taskd) {
  shared_taskd = taskd;
}

TaskdProcess& default_taskd() {
  if (!shared_taskd) throw std::logic_error("no default taskd: the test binary's fixture sets it");
  return *shared_taskd;
}

std::string unique_user(const std::string& prefix) {
  return prefix + "-" + new_uuid().substr(0, 8);
}

UserApi::UserApi(TaskdProcess& taskd, std::string user)
    : user_(std::move(user)), token_(taskd.token_for(user_)), http_(taskd.base_url()) {}

UserApi::UserApi(const std::string& prefix) : UserApi(default_taskd(), unique_user(prefix)) {}

std::vector<std::string> UserApi::auth(std::vector<std::string> extra) const {
  extra.push_back("Authorization: Bearer " + token_);
  return extra;
}

namespace {
std::vector<std::string> with_json(std::vector<std::string> h) {
  h.push_back("Content-Type: application/json");
  return h;
}
}  // namespace

HttpResponse UserApi::create(const nlohmann::json& body, std::vector<std::string> extra) {
  return http_.request("POST", "/api/v1/tasks", body.dump(), auth(with_json(std::move(extra))));
}
HttpResponse UserApi::get(const std::string& id) {
  return http_.request("GET", "/api/v1/tasks/" + id, "", auth());
}
HttpResponse UserApi::list(const std::string& query) {
  return http_.request("GET", "/api/v1/tasks" + query, "", auth());
}
HttpResponse UserApi::patch(const std::string& id, const nlohmann::json& body, std::vector<std::string> extra) {
  return http_.request("PATCH", "/api/v1/tasks/" + id, body.dump(), auth(with_json(std::move(extra))));
}
HttpResponse UserApi::complete(const std::string& id, std::vector<std::string> extra) {
  return http_.request("POST", "/api/v1/tasks/" + id + "/complete", "", auth(std::move(extra)));
}
HttpResponse UserApi::uncomplete(const std::string& id, std::vector<std::string> extra) {
  return http_.request("POST", "/api/v1/tasks/" + id + "/uncomplete", "", auth(std::move(extra)));
}
HttpResponse UserApi::remove(const std::string& id, std::vector<std::string> extra) {
  return http_.request("DELETE", "/api/v1/tasks/" + id, "", auth(std::move(extra)));
}

std::string UserApi::create_id(const std::string& title, std::optional<std::string> due) {
  nlohmann::json body = {{"title", title}};
  if (due) body["due_date"] = *due;
  auto r = create(body);
  BOOST_REQUIRE_MESSAGE(r.status == 201, "create failed: " + std::to_string(r.status) + " " + r.body + r.error);
  return r.json()["id"];
}

}  // namespace tasks::testing
