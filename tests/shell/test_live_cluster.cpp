// `cluster` through the shell and a real HTTP connection, against a stand-in admin API that
// answers GET /admin/cluster with a fixture (taskd's endpoint is built elsewhere, to this shape):
// the command asks the right path, prints the view, --json passes the answer through, a wrong
// argument is refused before anything is asked, and a taskd without the endpoint is an error.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <tuple>

#include "core/time.hpp"
#include "shell/admin_client.hpp"
#include "shell/shell.hpp"
#include "tests/shell/table_rows.hpp"

using namespace tasks::shell;
using nlohmann::json;
using tasks::testing::row_of;

namespace {

// An HTTP/1.1 server on loopback that answers every request with one status and body, closing
// each connection after its answer, and remembers the request lines.
class FixtureAdmin {
 public:
  FixtureAdmin(int status, std::string body) : status_(status), body_(std::move(body)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("the fixture admin API cannot listen");
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FixtureAdmin() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;  // wakes up to see stop_
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request.substr(0, request.find("\r\n")));
      }
      const std::string type = status_ < 300 ? "application/json" : "application/problem+json";
      const std::string answer = "HTTP/1.1 " + std::to_string(status_) + " X\r\nContent-Type: " + type +
                                 "\r\nContent-Length: " + std::to_string(body_.size()) +
                                 "\r\nConnection: close\r\n\r\n" + body_;
      [[maybe_unused]] const auto sent = ::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  int status_;
  std::string body_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

// Two replicas, four buckets, their leases a minute from now.
json make_fixture() {
  const std::string expires = tasks::format_rfc3339(tasks::now_millis() + 60'000);
  return {{"self", "r1"},
          {"bucket_count", 4},
          {"lease_duration_ms", 10'000},
          {"renew_interval_ms", 3'000},
          {"takeover_grace_ms", 7'000},
          {"replicas",
           {{{"replica_id", "r1"},
             {"host", "pod-a"},
             {"pid", 42},
             {"started_at", "2026-12-01T11:00:00.000Z"},
             {"renewed_at", "2026-12-01T12:00:00.000Z"},
             {"live", true},
             {"buckets", 2},
             {"counters", {{"delivered", 123}, {"failed", 4}, {"dead_lettered", 0}}}},
            {{"replica_id", "r2"},
             {"host", "pod-b"},
             {"pid", 7},
             {"started_at", "2026-12-01T11:30:00.000Z"},
             {"renewed_at", "2026-12-01T12:00:00.000Z"},
             {"live", true},
             {"buckets", 2},
             {"counters", {{"delivered", 99}, {"failed", 0}, {"dead_lettered", 1}}}}}},
          {"buckets",
           {{{"bucket", 0}, {"replica_id", "r1"}, {"epoch", 3}, {"expires_at", expires}, {"state", "held"}},
            {{"bucket", 1}, {"replica_id", "r1"}, {"epoch", 3}, {"expires_at", expires}, {"state", "held"}},
            {{"bucket", 2}, {"replica_id", "r2"}, {"epoch", 1}, {"expires_at", expires}, {"state", "held"}},
            {{"bucket", 3}, {"replica_id", "r2"}, {"epoch", 1}, {"expires_at", expires}, {"state", "held"}}}}};
}

struct Ran {
  Status status;
  std::string out, err;
};

Ran run(const std::string& admin, const std::string& command) {
  AdminClient client(admin, "", 5'000);
  std::ostringstream out, err;
  Shell shell(client, ShellOptions{}, out, err);
  const Status status = shell.execute(command);
  return {status, out.str(), err.str()};
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

using Cells = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(live_cluster)

BOOST_AUTO_TEST_CASE(cluster_asks_the_admin_api_and_prints_replicas_and_buckets) {
  const json fixture = make_fixture();
  FixtureAdmin admin(200, fixture.dump());
  Ran r = run(admin.url(), "cluster");
  BOOST_TEST((r.status == Status::ok), r.err);
  BOOST_TEST(admin.requests() == (Cells{"GET /admin/cluster HTTP/1.1"}), boost::test_tools::per_element());
  BOOST_TEST(r.out.rfind("seen from r1 (*): 4 buckets; lease 10.0s, renewed every 3.0s, takeover grace 7.0s\n", 0) == 0,
             r.out);
  const Cells self = row_of(r.out, "*");
  BOOST_TEST(Cells(self.begin(), self.begin() + std::min<size_t>(self.size(), 9)) ==
                 (Cells{"*", "r1", "pod-a", "42", "yes", "2", "123", "4", "0"}),
             boost::test_tools::per_element());
  BOOST_TEST(has(r.out, "\nOWNER  BUCKETS  RANGES  EPOCH  EARLIEST EXPIRY\n"), r.out);
  // A minute from now, less the moment the command took.
  const std::string owners = r.out.substr(std::min(r.out.find("\nOWNER"), r.out.size()));
  for (const auto& [owner, buckets, ranges, epoch] :
       {std::tuple{"r1", "2", "0-1", "3"}, std::tuple{"r2", "2", "2-3", "1"}}) {
    const Cells row = row_of(owners, owner);
    BOOST_REQUIRE_MESSAGE(row.size() == 6u, r.out);
    BOOST_TEST(Cells(row.begin(), row.begin() + 5) == (Cells{owner, buckets, ranges, epoch, "in"}),
               boost::test_tools::per_element());
    BOOST_TEST(row[5].back() == 's', r.out);  // 59.9s or 1m00s
  }

  r = run(admin.url(), "cluster buckets");
  BOOST_TEST((r.status == Status::ok), r.err);
  BOOST_TEST(has(r.out, "\nBUCKET  OWNER  EPOCH  STATE  EXPIRES AT"), r.out);
  const Cells last = row_of(r.out, "3");
  BOOST_TEST(Cells(last.begin(), last.begin() + std::min<size_t>(last.size(), 5)) ==
                 (Cells{"3", "r2", "1", "held", fixture["buckets"][3]["expires_at"].get<std::string>()}),
             boost::test_tools::per_element());

  r = run(admin.url(), "cluster --json");
  BOOST_TEST((r.status == Status::ok), r.err);
  BOOST_TEST(json::parse(r.out, nullptr, false) == fixture);
}

BOOST_AUTO_TEST_CASE(a_wrong_argument_is_refused_before_anything_is_asked) {
  FixtureAdmin admin(200, make_fixture().dump());
  const Ran r = run(admin.url(), "cluster bucket");
  BOOST_TEST((r.status == Status::failed));
  BOOST_TEST(r.err == "usage: cluster [buckets]; did you mean \"buckets\"?\n");
  BOOST_TEST(r.out.empty());
  BOOST_TEST(admin.requests().empty());
  BOOST_TEST(run(admin.url(), "cluster buckets more").err == "usage: cluster [buckets]\n");
}

BOOST_AUTO_TEST_CASE(a_taskd_without_the_endpoint_is_one_error_line) {
  FixtureAdmin admin(404,
                     R"({"type":"about:blank","title":"Not Found","status":404,"detail":"no route /admin/cluster"})");
  const Ran r = run(admin.url(), "cluster");
  BOOST_TEST((r.status == Status::failed));
  BOOST_TEST(r.err == "error: no route /admin/cluster\n");
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_SUITE_END()
