#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <thread>

namespace tasks::http {

Server::Server(ServerOptions options, std::shared_ptr<Pistache::Http::Handler> handler,
               std::shared_ptr<ServerState> state)
    : options_(std::move(options)), handler_(std::move(handler)), state_(std::move(state)) {}

Server::~Server() {
  shutdown();
}

void Server::start(const std::string& address_variable) {
  try {
    Pistache::Address address(options_.address.host, Pistache::Port(options_.address.port));
    endpoint_ = std::make_shared<Pistache::Http::Endpoint>(address);
    auto opts = Pistache::Http::Endpoint::options()
                    .threads(options_.threads)
                    .flags(Pistache::Tcp::Options::ReuseAddr)
                    .maxRequestSize(options_.max_request_bytes)
                    .keepaliveTimeout(options_.keepalive)
                    .headerTimeout(options_.header_timeout)
                    .bodyTimeout(options_.body_timeout);
    endpoint_->init(opts);
    endpoint_->setHandler(handler_);
    endpoint_->serveThreaded();
    running_ = true;
  } catch (const std::exception& e) {
    throw ConfigError(address_variable, "cannot serve on " + options_.address.to_string() + ": " + e.what());
  }
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

void Server::shutdown() {
  if (running_ && endpoint_) endpoint_->shutdown();
  running_ = false;
}

}  // namespace tasks::http
