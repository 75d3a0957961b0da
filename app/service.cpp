#include "app/service.hpp"

#include "actors/supervisor.hpp"
#include "core/log.hpp"
#include "core/topics.hpp"
#include "events/publisher.hpp"
#include "http/admin.hpp"
#include "http/api.hpp"
#include "persistence/lease_keeper.hpp"
#include "persistence/outbox_notifications.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/sqlite_file_lock.hpp"
#include "persistence/store.hpp"

#include <unistd.h>

namespace tasks {

namespace {

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

// After a lease ends, another replica waits this long before it starts the bucket: the publish
// calls of the old owner's last round (TASKS_PUBLISH_TIMEOUT) and its settle have ended by then.
std::chrono::milliseconds takeover_grace(const Config& c) {
  return c.publish_timeout + std::chrono::seconds(2);
}

}  // namespace

Service::Service(Config config) : config_(std::move(config)) {}

Service::~Service() {
  stop();
}

void Service::start() {
  const auto target = parse_db_url(
      config_.db,
      DbSessionSettings{config_.db_statement_timeout, config_.db_tcp_user_timeout, config_.db_keepalive_idle});
  try {
    sqlite_lock_ = lock_database_file(target);  // before the Store touches the file
  } catch (const SqliteFileLockError& e) {
    throw ConfigError("TASKS_DB", e.what());
  }
  try {
    StoreOptions store_options;
    store_options.sqlite_synchronous = config_.sqlite_synchronous;
    store_options.max_tasks_per_user = config_.max_tasks_per_user;
    replica_id_ = config_.replica_id.empty() ? host_name() + "-" + std::to_string(getpid()) : config_.replica_id;
    owner_ = make_owner_token(replica_id_);
    store_options.owner = owner_;
    store_options.buckets = config_.lease_buckets;
    // A fetch needs a lease that outlasts its round; renewals keep at least two thirds of one.
    store_options.lease_margin = std::min(std::chrono::milliseconds(1'000), config_.lease_duration / 4);
    store_ = std::make_shared<Store>(target, store_options);
  } catch (const StoreError& e) {
    const std::string what = e.what();
    const std::string buckets = "TASKS_LEASE_BUCKETS ";
    if (what.rfind(buckets, 0) == 0) throw ConfigError("TASKS_LEASE_BUCKETS", what.substr(buckets.size()));
    throw ConfigError("TASKS_DB", std::string("cannot open the database: ") + what);
  }

  caf_config_ = std::make_unique<caf::actor_system_config>();
  caf_config_->set("scheduler.max-threads", 2);
  // An idle CAF 0.17 worker first spins through 500 "moderate" polls, 50 µs apart (~25 ms of CPU
  // per wake-up), before it sleeps on its condition variable, which an enqueue wakes at once. With
  // occasional work (a scrape every 100 ms) that spinning took a core's share from the detached
  // publishers and the sockets (make bench-backlog: delivery 0.86-0.92 of the rate without the
  // scraper). Going from the short aggressive phase straight to the condition variable costs a
  // wake-up, not throughput: under load the workers never get that far.
  caf_config_->set("work-stealing.moderate-poll-attempts", 0);
  system_ = std::make_unique<caf::actor_system>(*caf_config_);

  metrics_ = std::make_shared<http::PrometheusMetrics>();
  start_lease_keeper();
  SupervisorWiring wiring;
  wiring.directory = directory_;
  wiring.metrics = metrics_;
  wiring.user_options.metrics = metrics_;
  wiring.user_options.event_source = config_.event_source;
  wiring.user_options.request_timeout = config_.request_timeout;
  wiring.user_options.idle_timeout = config_.user_idle_timeout;
  wiring.user_options.queue_limit = static_cast<size_t>(config_.user_queue_limit);
  wiring.user_options.max_tasks = config_.max_tasks_per_user;
  wiring.user_options.idempotency_ttl = config_.idempotency_ttl;
  // SQLite: this process alone can write the tasks (it holds the file), so the user actors'
  // copies are never stale and reads are answered from them.
  wiring.user_options.reads_from_memory = store_->dialect() == Dialect::sqlite;
  wiring.start_persistence = [store = store_, retention = config_.dead_letter_retention](caf::actor_system& sys,
                                                                                         std::uint64_t restarts) {
    PersistenceOptions options;
    options.restarts = restarts;
    options.dead_letter_retention = retention;
    return spawn_persistence(sys, store, options);
  };
  for (auto topic : topics::all) {
    PublisherOptions options;
    options.target = DaprTarget{config_.dapr_endpoint, config_.pubsub_name, std::string(topic), config_.dapr_api_token,
                                config_.publish_timeout};
    options.target.bulk = config_.publish_mode == "bulk";
    options.policy = RetryPolicy{config_.publish_backoff_initial, config_.publish_backoff_factor,
                                 config_.publish_backoff_max, config_.publish_max_age};
    // Evidence that others flow must outlast a lane's longest backoff, or a quiet topic would
    // read one user's refusals as everyone's.
    options.policy.healthy_window =
        std::max({std::chrono::milliseconds(30'000), config_.publish_backoff_max, 10 * config_.publish_poll_interval});
    options.concurrency = static_cast<size_t>(config_.publish_concurrency);
    options.poll_interval = config_.publish_poll_interval;
    options.metrics = metrics_;
    options.fault_injection = config_.fault_injection;
    wiring.publishers.push_back(
        {std::string(topic), [options](caf::actor_system& sys, persistence_actor store, std::uint64_t restarts) {
           auto o = options;
           o.restarts = restarts;
           return spawn_publisher(sys, std::move(store), std::move(o));
         }});
  }
  supervisor_ = spawn_supervisor(*system_, std::move(wiring));
  directory_->set(supervisor_);
  {
    // Wait until the supervisor has started its children (its first message is handled after).
    caf::scoped_actor self{*system_};
    self->request(supervisor_, std::chrono::seconds(10), status_atom::value)
        .receive([](ActorStatus&) {},
                 [](caf::error& err) { throw std::runtime_error("the supervisor did not start: " + to_string(err)); });
  }

  if (store_->dialect() == Dialect::postgresql)
    notifications_ = std::make_unique<OutboxNotifications>(
        store_->target().connect, [directory = directory_](const std::vector<std::string>& topics) {
          const auto publishers = directory->publishers();
          for (const auto& topic : topics)
            if (auto it = publishers.find(topic); it != publishers.end()) caf::anon_send(it->second, nudge_atom::value);
        });

  // The admin API first: an operator can look inside before the public API takes traffic.
  auto admin_state = std::make_shared<http::ServerState>();
  auto admin = std::make_shared<http::AdminContext>(
      http::AdminContext{*system_, directory_, admin_state, metrics_, config_.admin_token});
  admin->fault_injection = config_.fault_injection;
  http::ServerOptions admin_options;
  admin_options.address = config_.admin_addr;
  admin_options.threads = 1;
  admin_options.read_timeout = config_.http_read_timeout;
  admin_options.idle_timeout = config_.http_idle_timeout;
  admin_options.max_connections = 256;  // operators and scrapers, not the public
  admin_server_ =
      std::make_unique<http::Server>(admin_options, std::make_shared<http::AdminHandler>(admin), admin_state);
  admin_server_->start("TASKS_ADMIN_ADDR");

  auto state = std::make_shared<http::ServerState>();
  state->metrics = metrics_;
  http::ApiOptions api_options;
  api_options.tokens =
      http::TokenRules{config_.jwt_secret, std::chrono::duration_cast<std::chrono::seconds>(config_.jwt_leeway),
                       config_.jwt_issuer, config_.jwt_audience};
  api_options.request_timeout = config_.request_timeout;
  api_options.max_in_flight = config_.max_in_flight;
  auto context = std::make_shared<http::ApiContext>(http::ApiContext{*system_, directory_, state, api_options});
  http::ServerOptions options;
  options.address = config_.http_addr;
  options.threads = config_.http_threads;
  options.read_timeout = config_.http_read_timeout;
  options.idle_timeout = config_.http_idle_timeout;
  options.max_connections = config_.http_max_connections;
  server_ = std::make_unique<http::Server>(options, std::make_shared<http::ApiHandler>(context), state);
  server_->start("TASKS_HTTP_ADDR");
  if (server_->max_connections() < config_.http_max_connections)
    log::warn("TASKS_HTTP_MAX_CONNECTIONS is above what the open-file limit allows; capped",
              {{"max_connections", server_->max_connections()}});
  log::info("taskd is serving", {{"http_addr", config_.http_addr.to_string()},
                                 {"admin_addr", config_.admin_addr.to_string()},
                                 {"max_connections", server_->max_connections()}});
}

// The keeper's first renewal (and claims) is done before the publishers start, so that their
// first round already finds this replica's buckets.
void Service::start_lease_keeper() {
  LeaseKeeperOptions options;
  options.target = store_->target();
  options.store = store_->options();
  options.replica_id = replica_id_;
  options.host = host_name();
  options.pid = getpid();
  options.settings.buckets = store_->bucket_count();
  options.settings.lease = config_.lease_duration.count();
  options.settings.grace = takeover_grace(config_).count();
  // SQLite: the file lock proves that no other process uses the database.
  options.settings.exclusive = store_->dialect() == Dialect::sqlite;
  options.renew_interval = config_.lease_renew_interval;
  options.counters = [metrics = metrics_] { return metrics->publishing_totals_json(); };
  options.metrics = metrics_;
  lease_keeper_ = spawn_lease_keeper(*system_, std::move(options));
  directory_->set(lease_keeper_);
  caf::scoped_actor self{*system_};
  self->request(lease_keeper_, std::chrono::seconds(30), status_atom::value)
      .receive([](ActorStatus&) {}, [](caf::error&) {});
  log::info("replica started", {{"replica_id", replica_id_}, {"owner", owner_}, {"buckets", store_->bucket_count()}});
}

bool Service::drain_publishers() {
  bool all = true;
  // Give the publishers a bounded time to deliver what is due; the rest stays in the outbox.
  caf::scoped_actor self{*system_};
  const auto deadline = config_.shutdown_drain;
  const auto wait = deadline + std::chrono::seconds(2);
  using handle = decltype(self->request(publisher_actor{}, wait, drain_atom::value, std::int64_t{0}));
  std::vector<std::pair<std::string, handle>> pending;
  for (const auto& [topic, publisher] : directory_->publishers())  // all drain at once
    pending.emplace_back(topic, self->request(publisher, wait, drain_atom::value, std::int64_t{deadline.count()}));
  for (auto& [topic, h] : pending) {
    h.receive(
        [&, t = topic](std::int64_t delivered) {
          log::info("publisher drained", {{"topic", t}, {"delivered_while_draining", delivered}});
        },
        [&, t = topic](caf::error& err) {
          all = false;
          log::warn("publisher did not finish draining; its rows stay in the outbox",
                    {{"topic", t}, {"error", to_string(err)}});
        });
  }
  return all;
}

void Service::stop() {
  if (stopped_ || !system_) return;
  stopped_ = true;
  log::info("shutting down: refusing new requests, finishing those in flight");
  if (server_ && !server_->drain(config_.request_timeout))
    log::warn("requests still in flight at the shutdown deadline", {{"in_flight", server_->state()->in_flight.load()}});
  const bool drained = drain_publishers();
  if (lease_keeper_) {
    // Drained publishers start no round: others may take the buckets at once. Otherwise a call
    // may still be on the wire, and they wait the grace as after a crash.
    caf::scoped_actor self{*system_};
    self->request(lease_keeper_, std::chrono::seconds(10), release_atom::value, drained)
        .receive([](bool) {}, [](caf::error&) {});
    caf::anon_send_exit(lease_keeper_, caf::exit_reason::user_shutdown);
    lease_keeper_ = nullptr;
  }
  notifications_.reset();
  if (server_) server_->shutdown();
  if (admin_server_) admin_server_->shutdown();
  directory_->clear();
  caf::anon_send_exit(supervisor_, caf::exit_reason::user_shutdown);
  supervisor_ = nullptr;
  system_->await_all_actors_done();
  system_.reset();
  caf_config_.reset();
  server_.reset();
  admin_server_.reset();
  store_.reset();
  sqlite_lock_.reset();  // only once the database is closed
  log::info("taskd stopped");
}

}  // namespace tasks
