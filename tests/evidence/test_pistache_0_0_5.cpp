// Why the HTTP front is not Pistache 0.0.5 (Debian 12's and 13's only packaged version): the
// deterministic framing defects, reproduced against a minimal Pistache server in this process.
// (Its worst defect, answers written to another client's connection after a hang-up, is a race
// with a rate of about 1e-4 under load: it is measured by the hostile-client suite, see
// tests/hostile/PISTACHE_0_0_5.md, not asserted here.) Each case asserts that the defect is still
// there; when one fails, Pistache changed and docs/architecture.md ("The HTTP front") should be
// revisited. Not part of taskd.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

#include "tests/support/http_client.hpp"

namespace {

// Answers every request at once; the body names the request it answers.
class NamingHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(NamingHandler)
  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override {
    std::string id = request.query().get("id").value_or("-");
    (void)response.send(Pistache::Http::Code::Ok, "answer to " + id);
  }
};

struct PistacheServer {
  int port = tasks::testing::free_port();
  std::shared_ptr<Pistache::Http::Endpoint> endpoint =
      std::make_shared<Pistache::Http::Endpoint>(Pistache::Address("127.0.0.1", Pistache::Port(port)));
  PistacheServer() {
    endpoint->init(Pistache::Http::Endpoint::options().threads(1).flags(Pistache::Tcp::Options::ReuseAddr));
    endpoint->setHandler(Pistache::Http::make_handler<NamingHandler>());
    endpoint->serveThreaded();
  }
  ~PistacheServer() { endpoint->shutdown(); }
};

int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    const auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pistache_0_0_5)

BOOST_AUTO_TEST_CASE(two_requests_in_one_packet_get_one_answer) {
  PistacheServer server;
  int fd = connect_to(server.port);
  const std::string two = "GET /fast?id=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /fast?id=2 HTTP/1.1\r\nHost: x\r\n\r\n";
  BOOST_REQUIRE(send(fd, two.data(), two.size(), 0) == static_cast<ssize_t>(two.size()));
  const std::string got = read_all(fd);
  close(fd);
  BOOST_TEST(got.find("answer to 1") != std::string::npos);
  BOOST_TEST(got.find("answer to 2") == std::string::npos);  // the second is never answered
}

BOOST_AUTO_TEST_CASE(a_head_answer_carries_a_body) {
  PistacheServer server;
  int fd = connect_to(server.port);
  const std::string head = "HEAD /fast?id=h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  BOOST_REQUIRE(send(fd, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()));
  const std::string got = read_all(fd);
  close(fd);
  BOOST_TEST(got.find("answer to h") != std::string::npos);  // RFC 9110 §9.3.2: a HEAD answer has no content
}

BOOST_AUTO_TEST_SUITE_END()
