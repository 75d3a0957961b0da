#include "app/service.hpp"

#include "actors/supervisor.hpp"
#include "core/log.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/store.hpp"

namespace tasks {

Service::Service(Config config) : config_(std::move(config)) {}

Service::~Service() {
  stop();
}

void Service::start() {
  const auto target = parse_db_url(config_.db);
  try {
    store_ = std::make_shared<Store>(target, StoreOptions{config_.sqlite_synchronous});
  } catch (const StoreError& e) {
    throw ConfigError("TASKS_DB", std::string("cannot open the database: ") + e.what());
  }

  caf_config_ = std::make_unique<caf::actor_system_config>();
  caf_config_->set("scheduler.max-threads", 2);
  system_ = std::make_unique<caf::actor_system>(*caf_config_);

  SupervisorWiring wiring;
  wiring.directory = directory_;
  wiring.user_options.event_source = config_.event_source;
  wiring.user_options.request_timeout = config_.request_timeout;
  wiring.user_options.idle_timeout = config_.user_idle_timeout;
  wiring.start_persistence = [store = store_](caf::actor_system& sys, std::uint64_t restarts) {
    PersistenceOptions options;
    options.restarts = restarts;
    return spawn_persistence(sys, store, options);
  };
  supervisor_ = spawn_supervisor(*system_, std::move(wiring));
  {
    // Wait until the supervisor has started its children (its first message is handled after).
    caf::scoped_actor self{*system_};
    self->request(supervisor_, std::chrono::seconds(10), status_atom::value)
        .receive([](ActorStatus&) {},
                 [](caf::error& err) { throw std::runtime_error("the supervisor did not start: " + to_string(err)); });
  }

  auto context = std::make_shared<http::ApiContext>(http::ApiContext{
      *system_, directory_, std::make_shared<http::ServerState>(), http::ApiOptions{config_.jwt_secret}});
  http::ServerOptions options;
  options.address = config_.http_addr;
  options.threads = config_.http_threads;
  server_ = std::make_unique<http::Server>(options, context);
  server_->start("TASKS_HTTP_ADDR");
  log::info("taskd is serving", {{"http_addr", config_.http_addr.to_string()}});
}

void Service::stop() {
  if (stopped_ || !system_) return;
  stopped_ = true;
  log::info("shutting down: refusing new requests, finishing those in flight");
  if (server_ && !server_->drain(config_.request_timeout))
    log::warn("requests still in flight at the shutdown deadline", {{"in_flight", server_->state()->in_flight.load()}});
  if (server_) server_->shutdown();
  directory_->clear();
  caf::anon_send_exit(supervisor_, caf::exit_reason::user_shutdown);
  supervisor_ = nullptr;
  system_->await_all_actors_done();
  system_.reset();
  caf_config_.reset();
  server_.reset();
  log::info("taskd stopped");
}

}  // namespace tasks
