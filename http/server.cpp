#include "http/server.hpp"

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <thread>
#include <vector>

#include "core/log.hpp"
#include "http/connection.hpp"

namespace tasks::http {

namespace net = boost::asio;
using error_code = boost::system::error_code;

int connection_cap(int wanted, long open_file_limit) {
  constexpr long reserved = 128;  // database sessions, curl handles, log files, the admin port
  const long room = open_file_limit - reserved;
  return static_cast<int>(std::max(1L, std::min<long>(wanted, room)));
}

struct Server::Impl {
  net::io_context io{1};
  std::optional<net::ip::tcp::acceptor> acceptor;
  net::steady_timer pause{io};
  std::shared_ptr<ConnectionContext> context = std::make_shared<ConnectionContext>();
  std::vector<std::thread> threads;
  int max_connections = 0;
  std::chrono::steady_clock::time_point last_fd_warning{};

  void accept() {
    acceptor->async_accept(net::make_strand(io), [this](const error_code& ec, net::ip::tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) {
        // Out of file descriptors (or a transient accept error): wait a little instead of
        // spinning on a backlog that cannot be accepted.
        const auto now = std::chrono::steady_clock::now();
        if (now - last_fd_warning > std::chrono::seconds(10)) {
          last_fd_warning = now;
          log::warn("cannot accept connections for now; pausing accept", {{"error", ec.message()}});
        }
        pause.expires_after(std::chrono::milliseconds(100));
        pause.async_wait([this](const error_code& e) {
          if (!e) accept();
        });
        return;
      }
      auto connection = std::make_shared<Connection>(std::move(socket), context);
      if (context->open.load() > max_connections)
        connection->refuse_and_close({503, "the server has as many connections as it takes; retry shortly", ""});
      else
        connection->start();
      accept();
    });
  }
};

Server::Server(ServerOptions options, std::shared_ptr<Handler> handler, std::shared_ptr<ServerState> state)
    : options_(std::move(options)), handler_(std::move(handler)), state_(std::move(state)) {}

Server::~Server() {
  shutdown();
}

void Server::start(const std::string& address_variable) {
  impl_ = std::make_unique<Impl>();
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  max_connections_ = connection_cap(options_.max_connections, static_cast<long>(files.rlim_cur));
  impl_->max_connections = max_connections_;
  auto& ctx = *impl_->context;
  ctx.handler = handler_;
  ctx.state = state_;
  ctx.limits = options_.limits;
  ctx.idle_timeout = options_.idle_timeout;
  ctx.read_timeout = options_.read_timeout;
  try {
    net::ip::tcp::resolver resolver(impl_->io);
    auto endpoints = resolver.resolve(options_.address.host, std::to_string(options_.address.port),
                                      net::ip::tcp::resolver::passive | net::ip::tcp::resolver::numeric_service);
    const net::ip::tcp::endpoint endpoint = *endpoints.begin();
    impl_->acceptor.emplace(impl_->io);
    impl_->acceptor->open(endpoint.protocol());
    impl_->acceptor->set_option(net::socket_base::reuse_address(true));
    impl_->acceptor->bind(endpoint);
    impl_->acceptor->listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    impl_.reset();
    throw ConfigError(address_variable, "cannot serve on " + options_.address.to_string() + ": " + e.what());
  }
  impl_->accept();
  for (int i = 0; i < std::max(1, options_.threads); ++i) impl_->threads.emplace_back([io = &impl_->io] { io->run(); });
}

bool Server::drain(std::chrono::milliseconds deadline) {
  auto& state = *state_;
  state.draining = true;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (state.in_flight.load() > 0) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a counter, bounded by the deadline
  }
  return true;
}

long Server::open_connections() const {
  return impl_ ? impl_->context->open.load() : 0;
}

void Server::shutdown() {
  if (!impl_ || impl_->threads.empty()) return;
  net::post(impl_->io, [impl = impl_.get()] {
    error_code ignored;
    if (impl->acceptor) impl->acceptor->close(ignored);
    impl->pause.cancel(ignored);
  });
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(impl_->context->mutex);
    for (auto& [_, weak] : impl_->context->live)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) c->close_soon();
  live.clear();
  // Idle connections close at once; give answers being written a moment, bounded.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (impl_->context->open.load() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a counter, bounded
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace tasks::http
