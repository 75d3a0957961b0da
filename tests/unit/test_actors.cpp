// The actors alone: the registry and user actors against a real SQLite store or a fake
// persistence actor speaking the same interface, and the supervisor restarting what dies.

#include <boost/test/unit_test.hpp>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <set>

#include "actors/registry.hpp"
#include "actors/supervisor.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/store.hpp"
#include "tests/support/ask.hpp"
#include "tests/support/taskd_process.hpp"
#include "tests/support/wait.hpp"

using namespace tasks;
using tasks::testing::status_of;
using tasks::testing::wait_until;

namespace {

// A responder that hands the reply to the test thread.
struct Capture : Responder {
  std::promise<TaskReply> promise;
  std::atomic<bool> done{false};
  void reply(TaskReply r) override {
    if (!done.exchange(true)) promise.set_value(std::move(r));
  }
};

struct Call {
  std::shared_ptr<Capture> capture = std::make_shared<Capture>();
  std::future<TaskReply> future = capture->promise.get_future();
  TaskReply get() {
    BOOST_REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return future.get();
  }
};

Call send(const caf::actor_system&, const registry_actor& to, const std::string& user, Operation op) {
  Call call;
  TaskCommand cmd;
  cmd.context.user_id = user;
  cmd.context.correlation_id = "test";
  cmd.operation = std::move(op);
  cmd.responder = call.capture;
  caf::anon_send(to, std::move(cmd));
  return call;
}

struct SqliteStore {
  std::string dir = tasks::testing::make_temp_dir("actors");
  std::shared_ptr<Store> store = std::make_shared<Store>(parse_db_url("sqlite:" + dir + "/t.db"));
  ~SqliteStore() { std::filesystem::remove_all(dir); }
};

// A persistence fake: every task exists at version 1; commits answer after `delay`, the first
// `conflicts` of them with a conflict. It records how many requests were ever outstanding at once.
struct FakeState {
  int conflicts = 0;
  std::deque<std::pair<caf::typed_response_promise<CommitOutcome>, CommitOutcome>> pending;
  static inline const char* name = "fake-persistence";
};

persistence_actor::behavior_type fake_persistence(persistence_actor::stateful_pointer<FakeState> self, int conflicts,
                                                  std::chrono::milliseconds delay,
                                                  std::shared_ptr<std::atomic<int>> /*loads*/,
                                                  std::shared_ptr<std::atomic<int>> commits,
                                                  std::shared_ptr<std::atomic<int>> outstanding,
                                                  std::shared_ptr<std::atomic<int>> max_outstanding) {
  self->state.conflicts = conflicts;
  auto enter = [=] {
    int now = ++*outstanding;
    int seen = max_outstanding->load();
    while (now > seen && !max_outstanding->compare_exchange_weak(seen, now)) {
    }
  };
  return {
      [=](commit_atom, Commit&) -> caf::typed_response_promise<CommitOutcome> {
        enter();
        ++*commits;
        CommitOutcome out;
        if (self->state.conflicts > 0) {
          --self->state.conflicts;
          out.status = StoreStatus::conflict;
        }
        auto rp = self->make_response_promise<CommitOutcome>();
        self->state.pending.emplace_back(rp, out);
        // Answer later, from this actor's own thread.
        self->delayed_send(self, delay, flush_atom::value);
        return rp;
      },
      [=](flush_atom) {
        auto& p = self->state.pending;
        if (p.empty()) return;
        auto [rp, out] = p.front();
        p.pop_front();
        --*outstanding;
        rp.deliver(out);
      },
      [=](purge_atom) {},
      [=](listen_atom, const std::string&, outbox_listener_actor) {},
      [=](fetch_atom, const std::string&, std::int64_t, std::int64_t) { return OutboxFetch{}; },
      [=](settle_atom, const DeliveryReport&) { return true; },
      [=](redrive_atom, const std::string&, const std::string&) { return std::int64_t{0}; },
      [=](discard_atom, const std::string&, const std::string&, const std::string&) { return false; },
      [=](pause_atom, const std::string&, bool) { return true; },
      [=](status_atom) { return ActorStatus{}; },
  };
}

// The reader beside it: every task exists at version 1.
task_reader_actor::behavior_type fake_reader(task_reader_actor::pointer self, std::shared_ptr<std::atomic<int>> loads,
                                             std::shared_ptr<std::atomic<int>> outstanding,
                                             std::shared_ptr<std::atomic<int>> max_outstanding) {
  auto enter = [=] {
    int now = ++*outstanding;
    int seen = max_outstanding->load();
    while (now > seen && !max_outstanding->compare_exchange_weak(seen, now)) {
    }
  };
  (void)self;
  return {
      [=](load_atom, const std::string& user, const std::string& id, const Deadline&) {
        enter();
        ++*loads;
        --*outstanding;
        Task t;
        t.id = id;
        t.user_id = user;
        t.title = "t";
        t.version = 1;
        return LoadOutcome{StoreStatus::ok, t, ""};
      },
      [=](list_atom, const std::string&, const ListQuery&, const Deadline&) { return ListOutcome{}; },
      [=](key_atom, const std::string&, const std::string&, const Deadline&) {
        return KeyOutcome{StoreStatus::not_found, std::nullopt, ""};
      },
      [=](ping_atom) { return true; },
      [=](status_atom) { return ActorStatus{}; },
  };
}

struct Counters {
  std::shared_ptr<std::atomic<int>> loads = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> commits = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> outstanding = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> max_outstanding = std::make_shared<std::atomic<int>>(0);
};

const std::string task_id = "7e1c9a52-3b6f-4f0e-9d1a-2b8c4d5e6f70";

}  // namespace

BOOST_AUTO_TEST_SUITE(actors)

BOOST_AUTO_TEST_CASE(registry_spawns_one_actor_per_user_and_passivates_idle_ones) {
  SqliteStore db;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto persistence = spawn_persistence(sys, db.store);
  UserActorOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  auto registry = spawn_registry(sys, persistence, options);

  auto created = send(sys, registry, "alice", CreateTask{NewTask{"first", std::nullopt, std::nullopt}}).get();
  BOOST_TEST((created.status == ReplyStatus::created));
  BOOST_TEST((send(sys, registry, "bob", ListTasks{}).get().status == ReplyStatus::ok));
  BOOST_TEST((send(sys, registry, "alice", ListTasks{}).get().tasks.size() == 1u));
  auto s = status_of(sys, registry);
  BOOST_TEST(s.details["spawned"] == 2);

  BOOST_TEST(wait_until([&] { return status_of(sys, registry).details["user_actors"] == 0; }, std::chrono::seconds(5)));
  BOOST_TEST(status_of(sys, registry).details["passivated"] == 2);

  // The next request brings alice back, with her data.
  BOOST_TEST((send(sys, registry, "alice", ListTasks{}).get().tasks.size() == 1u));
  BOOST_TEST(status_of(sys, registry).details["spawned"] == 3);
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(persistence.writer, caf::exit_reason::user_shutdown);
}

// The registry monitors its children instead of linking them (a link per child made every
// passivation scan all of them); its end must still end every user actor, or a restarted
// registry could spawn a second actor for a user whose old one still runs.
BOOST_AUTO_TEST_CASE(the_end_of_the_registry_ends_every_user_actor) {
  caf::actor_system_config cfg;
  // The system's destructor waits for every actor: with a user actor left running it would hang,
  // so on failure it is left behind and the test fails instead.
  auto sys = std::make_unique<caf::actor_system>(cfg);
  Counters n;
  auto fake = sys->spawn(fake_persistence, 0, std::chrono::milliseconds(0), n.loads, n.commits, n.outstanding,
                         n.max_outstanding);
  auto reader = sys->spawn(fake_reader, n.loads, n.outstanding, n.max_outstanding);
  const auto before = sys->registry().running();
  auto registry = spawn_registry(*sys, StoreHandles{fake, reader}, UserActorOptions{});
  for (const char* user : {"alice", "bob", "carol"})
    BOOST_TEST((send(*sys, registry, user, CompleteTask{task_id}).get().status == ReplyStatus::ok));
  BOOST_TEST(sys->registry().running() == before + 4);
  caf::anon_send_exit(registry, caf::exit_reason::kill);
  const bool all_ended = wait_until([&] { return sys->registry().running() == before; }, std::chrono::seconds(5));
  BOOST_TEST(all_ended);
  caf::anon_send_exit(fake, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
  if (!all_ended) (void)sys.release();
}

BOOST_AUTO_TEST_CASE(a_user_actor_serialises_its_requests) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  Counters n;
  auto fake = sys.spawn(fake_persistence, 0, std::chrono::milliseconds(5), n.loads, n.commits, n.outstanding,
                        n.max_outstanding);
  auto reader = sys.spawn(fake_reader, n.loads, n.outstanding, n.max_outstanding);
  auto registry = spawn_registry(sys, StoreHandles{fake, reader}, UserActorOptions{});
  std::vector<Call> calls;
  for (int i = 0; i < 20; ++i) calls.push_back(send(sys, registry, "alice", CompleteTask{task_id}));
  for (auto& c : calls) BOOST_TEST((c.get().status == ReplyStatus::ok));
  BOOST_TEST(n.commits->load() == 20);
  // Read once: after that the actor holds the task as it last wrote it (no load per mutation).
  BOOST_TEST(n.loads->load() == 1);
  BOOST_TEST(n.max_outstanding->load() == 1);
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(fake, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_conflict_rereads_and_commits_again) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  Counters n;
  auto fake = sys.spawn(fake_persistence, 2, std::chrono::milliseconds(0), n.loads, n.commits, n.outstanding,
                        n.max_outstanding);
  auto reader = sys.spawn(fake_reader, n.loads, n.outstanding, n.max_outstanding);
  auto registry = spawn_registry(sys, StoreHandles{fake, reader}, UserActorOptions{});
  auto reply = send(sys, registry, "alice", PatchTask{task_id, TaskPatch{std::string("new"), {}, {}}}).get();
  BOOST_TEST((reply.status == ReplyStatus::ok));
  BOOST_TEST(reply.task->title == "new");
  BOOST_TEST(reply.task->version == 2);
  BOOST_TEST(n.loads->load() == 3);
  BOOST_TEST(n.commits->load() == 3);
  // Conflicting forever: the client gets 503, not a hang.
  Counters m;
  auto stubborn = sys.spawn(fake_persistence, 1000, std::chrono::milliseconds(0), m.loads, m.commits, m.outstanding,
                            m.max_outstanding);
  auto reader2 = sys.spawn(fake_reader, m.loads, m.outstanding, m.max_outstanding);
  auto registry2 = spawn_registry(sys, StoreHandles{stubborn, reader2}, UserActorOptions{});
  BOOST_TEST((send(sys, registry2, "alice", CompleteTask{task_id}).get().status == ReplyStatus::unavailable));
  for (auto a : {caf::actor_cast<caf::actor>(registry), caf::actor_cast<caf::actor>(registry2),
                 caf::actor_cast<caf::actor>(fake), caf::actor_cast<caf::actor>(stubborn),
                 caf::actor_cast<caf::actor>(reader), caf::actor_cast<caf::actor>(reader2)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_request_that_waited_past_its_deadline_is_answered_503) {
  SqliteStore db;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto persistence = spawn_persistence(sys, db.store);
  UserActorOptions options;
  options.request_timeout = std::chrono::milliseconds(100);
  auto registry = spawn_registry(sys, persistence, options);
  Call call;
  TaskCommand cmd;
  cmd.context.user_id = "alice";
  cmd.context.received_at = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  cmd.context.deadline = cmd.context.received_at + options.request_timeout;
  cmd.operation = CreateTask{NewTask{"late", std::nullopt, std::nullopt}};
  cmd.responder = call.capture;
  caf::anon_send(registry, std::move(cmd));
  BOOST_TEST((call.get().status == ReplyStatus::unavailable));
  BOOST_TEST((send(sys, registry, "alice", ListTasks{}).get().tasks.empty()));
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(persistence.writer, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(the_supervisor_restarts_a_dead_persistence_actor_and_rewires_the_registry) {
  SqliteStore db;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto directory = std::make_shared<ActorDirectory>();
  SupervisorWiring wiring;
  wiring.directory = directory;
  wiring.start_persistence = [store = db.store](caf::actor_system& s, std::uint64_t restarts) {
    return spawn_persistence(s, store, PersistenceOptions{256, restarts});
  };
  auto supervisor = spawn_supervisor(sys, wiring);
  BOOST_TEST(wait_until([&] { return directory->registry() != nullptr; }));
  BOOST_TEST((send(sys, directory->registry(), "alice", CreateTask{NewTask{"before", {}, {}}}).get().status ==
              ReplyStatus::created));

  auto first = directory->persistence();
  auto first_reader = directory->reader();
  // A crash (not `kill`, which CAF propagates unconditionally through links).
  caf::anon_send_exit(first, caf::exit_reason::unhandled_exception);
  BOOST_TEST(wait_until([&] { return directory->persistence() && directory->persistence() != first; }));
  BOOST_TEST(status_of(sys, directory->persistence()).restarts == 1u);
  BOOST_TEST(wait_until([&] { return directory->reader() && directory->reader() != first_reader; }));

  // The registry and its user actor talk to the new one.
  BOOST_TEST((send(sys, directory->registry(), "alice", CreateTask{NewTask{"after", {}, {}}}).get().status ==
              ReplyStatus::created));
  BOOST_TEST((send(sys, directory->registry(), "alice", ListTasks{}).get().tasks.size() == 2u));

  // A dead registry is replaced too, and requests flow again.
  auto old_registry = directory->registry();
  caf::anon_send_exit(old_registry, caf::exit_reason::unhandled_exception);
  BOOST_TEST(wait_until([&] { return directory->registry() && directory->registry() != old_registry; }));
  BOOST_TEST((send(sys, directory->registry(), "alice", ListTasks{}).get().tasks.size() == 2u));

  {
    caf::scoped_actor self{sys};
    std::vector<ActorStatus> all;
    self->request(supervisor, std::chrono::seconds(5), children_atom::value)
        .receive([&](std::vector<ActorStatus>& v) { all = std::move(v); }, [](caf::error&) {});
    std::set<std::string> kinds;
    for (const auto& s : all) kinds.insert(s.kind);
    BOOST_TEST(kinds.count("persistence") == 1u);
    BOOST_TEST(kinds.count("registry") == 1u);
    BOOST_TEST(kinds.count("user") == 1u);
  }
  directory->clear();
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
}

BOOST_AUTO_TEST_SUITE_END()
