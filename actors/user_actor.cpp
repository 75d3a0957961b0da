#include "actors/user_actor.hpp"

#include "core/answers.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "events/cloud_event.hpp"
#include "events/planning.hpp"

namespace tasks {

namespace {

using self_ptr = user_actor::stateful_pointer<user_state>;
using clock = std::chrono::steady_clock;
using command_ptr = std::shared_ptr<TaskCommand>;

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

TaskReply failure(ReplyStatus status, std::string detail) {
  TaskReply r;
  r.status = status;
  r.detail = std::move(detail);
  return r;
}

TaskReply unavailable(const std::string& why) {
  return failure(ReplyStatus::unavailable, why);
}

const char* const late_detail = "the request's deadline passed before it could be done; nothing was written";

void run_next(self_ptr self);

// Answers the request being executed and starts the next one: every path of a request ends
// here exactly once.
void finish(self_ptr self, const command_ptr& cmd, TaskReply reply) {
  cmd->responder->reply(std::move(reply));
  self->state.busy = false;
  self->state.last_active = clock::now();
  run_next(self);
}

// Time left until the request's deadline (at least 1 ms, so that CAF arms a timer).
std::chrono::milliseconds remaining(const command_ptr& cmd) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(cmd->context.deadline - clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

Deadline deadline_of(const command_ptr& cmd) {
  return Deadline{cmd->context.deadline};
}

// The actor's copy of its tasks (see UserActorOptions::reads_from_memory).
void remember(self_ptr self, const Task& task) {
  auto& tasks = self->state.tasks;
  if (tasks.size() >= self->state.options.cached_tasks && !tasks.count(task.id)) tasks.erase(tasks.begin());
  tasks.insert_or_assign(task.id, task);
}

void forget(self_ptr self, const std::string& task_id) {
  self->state.tasks.erase(task_id);
}

const Task* remembered(self_ptr self, const std::string& task_id) {
  auto it = self->state.tasks.find(task_id);
  return it == self->state.tasks.end() ? nullptr : &it->second;
}

// The new state of a task for one mutation.
using Mutator = std::function<Task(const Task& before)>;

struct Mutation {
  command_ptr command;
  std::string task_id;
  Action action;
  Mutator mutate;
  int attempt = 0;
};

// What a successful commit answers, and the record of it when the request has a key.
std::optional<IdempotencyRecord> key_record(self_ptr self, const command_ptr& cmd, const StoredAnswer& answer) {
  if (!cmd->context.idempotency) return std::nullopt;
  const millis now = now_millis();
  IdempotencyRecord r;
  r.user_id = self->state.user_id;
  r.key = cmd->context.idempotency->key;
  r.fingerprint = cmd->context.idempotency->fingerprint;
  r.status = answer.status;
  r.body = answer.body;
  r.location = answer.location;
  r.created_at = now;
  r.expires_at = now + self->state.options.idempotency_ttl.count();
  return r;
}

void replay_or_refuse(self_ptr self, const command_ptr& cmd, std::function<void()> proceed);

void commit_and_reply(self_ptr self, command_ptr cmd, Commit commit, ReplyStatus on_success,
                      std::function<void()> on_conflict) {
  auto& st = self->state;
  std::optional<Task> shown;
  if (commit.kind != ChangeKind::remove) shown = commit.task;
  commit.deadline = deadline_of(cmd);
  // The answer is stored only with a key (serialising it costs as much as an event).
  if (cmd->context.idempotency) commit.idempotency = key_record(self, cmd, success_answer(on_success, shown));
  const std::string task_id = commit.task.id;
  // Persistence answers every commit by its deadline (its transactions are bounded by it); the
  // grace covers a transaction that was already committing when the deadline came.
  self->request(st.store.writer, remaining(cmd) + st.options.commit_grace, commit_atom::value, std::move(commit))
      .then(
          [=](CommitOutcome& out) {
            switch (out.status) {
              case StoreStatus::ok: {
                if (shown)
                  remember(self, *shown);
                else
                  forget(self, task_id);
                TaskReply r;
                r.status = on_success;
                r.task = shown;
                finish(self, cmd, std::move(r));
                return;
              }
              case StoreStatus::conflict:
                ++self->state.conflicts;
                forget(self, task_id);  // someone else wrote it: the retry reads it again
                on_conflict();
                return;
              case StoreStatus::not_found:
                forget(self, task_id);
                finish(self, cmd, failure(ReplyStatus::not_found, "no such task"));
                return;
              case StoreStatus::quota_exceeded:
                finish(self, cmd,
                       failure(ReplyStatus::quota_exceeded, "this user already has the most tasks allowed (" +
                                                                std::to_string(self->state.options.max_tasks) + ")"));
                return;
              case StoreStatus::duplicate_key:
                // A twin request with the same key was written meanwhile (another replica): answer as it did.
                replay_or_refuse(self, cmd, [=] {
                  finish(self, cmd,
                         failure(ReplyStatus::key_in_progress, "a request with this Idempotency-Key is in progress"));
                });
                return;
              case StoreStatus::expired:
                ++self->state.expired;
                finish(self, cmd, unavailable(late_detail));
                return;
              case StoreStatus::unavailable:
                ++self->state.failures;
                finish(self, cmd, unavailable("the database is unavailable; nothing was written"));
                return;
            }
          },
          [=](caf::error& err) {
            // The one case where the outcome is not known: persistence neither committed nor
            // refused within the grace (a hung connection), or it died while committing.
            ++self->state.failures;
            forget(self, task_id);  // written or not: only the database knows
            log::error("commit not confirmed; its outcome is unknown", {{"user_id", self->state.user_id},
                                                                        {"correlation_id", cmd->context.correlation_id},
                                                                        {"error", to_string(err)}});
            finish(self, cmd, unavailable("the database did not confirm the change in time"));
          });
}

EnvelopeContext envelope(self_ptr self, const RequestContext& ctx) {
  return {self->state.options.event_source, ctx.correlation_id, ctx.traceparent, ctx.tracestate};
}

void create(self_ptr self, command_ptr cmd, const CreateTask& op) {
  const millis now = now_millis();
  Task task;
  task.id = new_uuid();
  task.user_id = self->state.user_id;
  task.title = op.fields.title;
  task.description = op.fields.description;
  task.due_date = op.fields.due_date;
  task.created_at = now;
  task.updated_at = now;
  task.version = 1;
  Commit commit;
  commit.kind = ChangeKind::insert;
  commit.task = task;
  commit.events = build_outbox_events(plan_events(std::nullopt, task, Action::created, now), task.id, task.user_id, now,
                                      envelope(self, cmd->context));
  ++self->state.mutations;
  commit_and_reply(self, cmd, std::move(commit), ReplyStatus::created,
                   [=] { finish(self, cmd, unavailable("a task with a colliding id exists; nothing was written")); });
}

void mutate(self_ptr self, Mutation m);

// Decides the task's new state from `before`, plans its events and commits both.
void decide_and_commit(self_ptr self, const Mutation& m, const Task& before) {
  auto cmd = m.command;
  const millis now = std::max(now_millis(), before.updated_at);
  Commit commit;
  commit.expected_version = before.version;
  std::optional<Task> after;
  if (m.action == Action::deleted) {
    commit.kind = ChangeKind::remove;
    commit.task = before;
  } else {
    commit.kind = ChangeKind::update;
    after = m.mutate(before);
    after->version = before.version + 1;
    after->updated_at = now;
    commit.task = *after;
  }
  commit.events = build_outbox_events(plan_events(before, after, m.action, now), before.id, before.user_id, now,
                                      envelope(self, cmd->context));
  ++self->state.mutations;
  auto retry = [=] {
    if (m.attempt + 1 >= self->state.options.conflict_retries) {
      finish(self, cmd, unavailable("the task kept changing under this request; nothing was written"));
      return;
    }
    auto next = m;
    ++next.attempt;
    mutate(self, next);
  };
  commit_and_reply(self, cmd, std::move(commit), m.action == Action::deleted ? ReplyStatus::deleted : ReplyStatus::ok,
                   retry);
}

// Read (unless the actor holds the task), decide, commit; a conflict (another writer got there
// first, or the copy was stale) re-reads and tries again.
void mutate(self_ptr self, Mutation m) {
  auto& st = self->state;
  auto cmd = m.command;
  if (cmd->context.deadline <= clock::now()) {
    ++st.expired;
    finish(self, cmd, unavailable(late_detail));
    return;
  }
  if (const Task* held = remembered(self, m.task_id)) {
    ++st.memory_hits;
    const Task before = *held;
    return decide_and_commit(self, m, before);
  }
  self->request(st.store.reader, remaining(cmd), load_atom::value, st.user_id, m.task_id, deadline_of(cmd))
      .then(
          [=](LoadOutcome& loaded) {
            if (loaded.status == StoreStatus::not_found) {
              finish(self, cmd, failure(ReplyStatus::not_found, "no task with id " + m.task_id));
              return;
            }
            if (loaded.status != StoreStatus::ok || !loaded.task) {
              ++self->state.failures;
              finish(self, cmd, unavailable("the database is unavailable; nothing was written"));
              return;
            }
            remember(self, *loaded.task);
            decide_and_commit(self, m, *loaded.task);
          },
          [=](caf::error&) {
            ++self->state.failures;
            finish(self, cmd, unavailable("the database did not answer in time; nothing was written"));
          });
}

void get(self_ptr self, command_ptr cmd, const GetTask& op) {
  auto& st = self->state;
  ++st.reads;
  if (const Task* held = st.options.reads_from_memory ? remembered(self, op.task_id) : nullptr) {
    ++st.memory_hits;
    TaskReply r;
    r.task = *held;
    return finish(self, cmd, std::move(r));
  }
  self->request(st.store.reader, remaining(cmd), load_atom::value, st.user_id, op.task_id, deadline_of(cmd))
      .then(
          [=](LoadOutcome& out) {
            if (out.status == StoreStatus::ok && out.task) {
              remember(self, *out.task);
              TaskReply r;
              r.task = std::move(out.task);
              finish(self, cmd, std::move(r));
            } else if (out.status == StoreStatus::not_found) {
              finish(self, cmd, failure(ReplyStatus::not_found, "no task with id " + op.task_id));
            } else {
              finish(self, cmd, unavailable("the database is unavailable"));
            }
          },
          [=](caf::error&) { finish(self, cmd, unavailable("the database did not answer in time")); });
}

void list(self_ptr self, command_ptr cmd, const ListTasks& op) {
  auto& st = self->state;
  ++st.reads;
  self->request(st.store.reader, remaining(cmd), list_atom::value, st.user_id, op.query, deadline_of(cmd))
      .then(
          [=](ListOutcome& out) {
            if (out.status != StoreStatus::ok) {
              finish(self, cmd, unavailable("the database is unavailable"));
              return;
            }
            TaskReply r;
            r.tasks = std::move(out.tasks);
            r.next_after = out.next_after;
            finish(self, cmd, std::move(r));
          },
          [=](caf::error&) { finish(self, cmd, unavailable("the database did not answer in time")); });
}

// A mutation with an Idempotency-Key: the answer recorded for the key, if any, decides.
void replay_or_refuse(self_ptr self, const command_ptr& cmd, std::function<void()> proceed) {
  auto& st = self->state;
  const auto& key = *cmd->context.idempotency;
  self->request(st.store.reader, remaining(cmd), key_atom::value, st.user_id, key.key, deadline_of(cmd))
      .then(
          [=](KeyOutcome& out) {
            if (out.status != StoreStatus::ok && out.status != StoreStatus::not_found) {
              finish(self, cmd, unavailable("the database is unavailable; nothing was written"));
              return;
            }
            switch (judge_key(out.record, cmd->context.idempotency->fingerprint)) {
              case KeyVerdict::proceed: proceed(); return;
              case KeyVerdict::replay: {
                ++self->state.replays;
                TaskReply r;
                r.status = ReplyStatus::replayed;
                r.replay = StoredAnswer{out.record->status, out.record->body, out.record->location};
                finish(self, cmd, std::move(r));
                return;
              }
              case KeyVerdict::mismatch:
                finish(self, cmd,
                       failure(ReplyStatus::key_mismatch,
                               "this Idempotency-Key was first used with a different request; use a new key"));
                return;
            }
          },
          [=](caf::error&) {
            finish(self, cmd, unavailable("the database did not answer in time; nothing was written"));
          });
}

void execute(self_ptr self, command_ptr cmd) {
  auto mutation = [&](const std::string& id, Action action, Mutator f) {
    mutate(self, Mutation{cmd, id, action, std::move(f), 0});
  };
  std::visit(overloaded{
                 [&](const CreateTask& op) { create(self, cmd, op); },
                 [&](const GetTask& op) { get(self, cmd, op); },
                 [&](const ListTasks& op) { list(self, cmd, op); },
                 [&](const PatchTask& op) {
                   mutation(op.task_id, Action::updated, [patch = op.patch](const Task& before) {
                     Task after = before;
                     apply_patch(after, patch);
                     return after;
                   });
                 },
                 [&](const CompleteTask& op) {
                   mutation(op.task_id, Action::completed, [](const Task& before) {
                     Task after = before;
                     after.completed = true;
                     return after;
                   });
                 },
                 [&](const UncompleteTask& op) {
                   mutation(op.task_id, Action::uncompleted, [](const Task& before) {
                     Task after = before;
                     after.completed = false;
                     return after;
                   });
                 },
                 [&](const DeleteTask& op) { mutation(op.task_id, Action::deleted, nullptr); },
             },
             cmd->operation);
}

// Starts the next request in line unless one is running; requests whose deadline passed while
// they waited are answered without being started (load shedding).
void run_next(self_ptr self) {
  auto& st = self->state;
  while (!st.busy && !st.queue.empty()) {
    auto cmd = std::move(st.queue.front());
    st.queue.pop_front();
    if (cmd->context.deadline <= clock::now()) {
      ++st.expired;
      cmd->responder->reply(unavailable("the request waited too long for its turn; nothing was written"));
      continue;
    }
    st.busy = true;
    if (cmd->context.idempotency && is_mutation(cmd->operation))
      replay_or_refuse(self, cmd, [=] { execute(self, cmd); });
    else
      execute(self, cmd);
  }
}

}  // namespace

user_actor::behavior_type user_actor_impl(self_ptr self, std::string user_id, StoreHandles store,
                                          registry_actor registry, UserActorOptions options) {
  auto& st = self->state;
  st.user_id = std::move(user_id);
  st.store = std::move(store);
  st.registry = std::move(registry);
  st.options = options;
  const auto tick_every = std::max<std::chrono::milliseconds>(options.idle_timeout / 4, std::chrono::milliseconds(20));
  self->delayed_send(self, tick_every, tick_atom::value);
  return {
      [=](TaskCommand& command) {
        auto& s = self->state;
        ++s.handled;
        s.last_active = clock::now();
        const size_t in_line = s.queue.size() + (s.busy ? 1 : 0);
        if (in_line >= s.options.queue_limit) {
          ++s.shed;
          if (s.options.metrics) s.options.metrics->http_shed("user_queue");
          command.responder->reply(
              unavailable("too many requests of this user are in progress; nothing was written, retry shortly"));
          return;
        }
        s.queue.push_back(std::make_shared<TaskCommand>(std::move(command)));
        run_next(self);
      },
      [=](store_atom, StoreHandles& fresh) { self->state.store = std::move(fresh); },
      [=](tick_atom) {
        auto& s = self->state;
        if (!s.busy && s.queue.empty() && clock::now() - s.last_active >= s.options.idle_timeout)
          self->send(s.registry, idle_atom::value, s.user_id, s.handled);
        self->delayed_send(self, tick_every, tick_atom::value);
      },
      [=](stop_atom) { self->quit(); },
      [=](status_atom) {
        auto& s = self->state;
        auto out = make_status("user/" + s.user_id, "user", s.busy ? "working" : "running",
                               self->mailbox().size() + s.queue.size(), s.started);
        out.details = {
            {"user_id", s.user_id},
            {"handled", s.handled},
            {"queued", s.queue.size()},
            {"mutations", s.mutations},
            {"reads", s.reads},
            {"conflicts", s.conflicts},
            {"failures", s.failures},
            {"shed", s.shed},
            {"expired", s.expired},
            {"replays", s.replays},
            {"memory_hits", s.memory_hits},
            {"tasks_held", s.tasks.size()},
            {"idle_ms", std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - s.last_active).count()},
        };
        return out;
      },
  };
}

}  // namespace tasks
