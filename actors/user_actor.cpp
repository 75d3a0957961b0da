#include "actors/user_actor.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "events/cloud_event.hpp"
#include "events/planning.hpp"

namespace tasks {

namespace {

using self_ptr = user_actor::stateful_pointer<user_state>;
using clock = std::chrono::steady_clock;

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

// The new state of a task for one mutation; nothing when the mutation does not apply.
using Mutator = std::function<Task(const Task& before)>;

struct Mutation {
  std::shared_ptr<TaskCommand> command;
  std::string task_id;
  Action action;
  Mutator mutate;
  int attempt = 0;
};

void commit_and_reply(self_ptr self, std::shared_ptr<TaskCommand> cmd, Commit commit, ReplyStatus on_success,
                      std::function<void()> on_conflict) {
  auto& st = self->state;
  std::optional<Task> shown;
  if (commit.kind != ChangeKind::remove) shown = commit.task;
  self->request(st.store, st.options.request_timeout, commit_atom::value, std::move(commit))
      .await(
          [=](CommitOutcome& out) {
            switch (out.status) {
              case StoreStatus::ok: {
                TaskReply r;
                r.status = on_success;
                r.task = shown;
                cmd->responder->reply(std::move(r));
                return;
              }
              case StoreStatus::conflict:
                ++self->state.conflicts;
                on_conflict();
                return;
              case StoreStatus::not_found:
                cmd->responder->reply(failure(ReplyStatus::not_found, "no such task"));
                return;
              case StoreStatus::unavailable:
                ++self->state.failures;
                cmd->responder->reply(unavailable("the database is unavailable"));
                return;
            }
          },
          [=](caf::error& err) {
            ++self->state.failures;
            log::error("commit not confirmed", {{"user_id", self->state.user_id},
                                                {"correlation_id", cmd->context.correlation_id},
                                                {"error", to_string(err)}});
            cmd->responder->reply(unavailable("the database did not answer in time"));
          });
}

EnvelopeContext envelope(self_ptr self, const RequestContext& ctx) {
  return {self->state.options.event_source, ctx.correlation_id, ctx.traceparent};
}

void create(self_ptr self, std::shared_ptr<TaskCommand> cmd, const CreateTask& op) {
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
                   [=] { cmd->responder->reply(unavailable("a task with a colliding id exists")); });
}

// Read, decide, commit; a conflict (another writer got there first) re-reads and tries again.
void mutate(self_ptr self, Mutation m) {
  auto& st = self->state;
  self->request(st.store, st.options.request_timeout, load_atom::value, st.user_id, m.task_id)
      .await(
          [=](LoadOutcome& loaded) {
            auto cmd = m.command;
            if (loaded.status == StoreStatus::not_found) {
              cmd->responder->reply(failure(ReplyStatus::not_found, "no task with id " + m.task_id));
              return;
            }
            if (loaded.status != StoreStatus::ok || !loaded.task) {
              ++self->state.failures;
              cmd->responder->reply(unavailable("the database is unavailable"));
              return;
            }
            const Task& before = *loaded.task;
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
            commit.events = build_outbox_events(plan_events(before, after, m.action, now), before.id, before.user_id,
                                                now, envelope(self, cmd->context));
            ++self->state.mutations;
            auto retry = [=] {
              if (m.attempt + 1 >= self->state.options.conflict_retries) {
                cmd->responder->reply(unavailable("the task kept changing under this request; try again"));
                return;
              }
              auto next = m;
              ++next.attempt;
              mutate(self, next);
            };
            commit_and_reply(self, cmd, std::move(commit),
                             m.action == Action::deleted ? ReplyStatus::deleted : ReplyStatus::ok, retry);
          },
          [=](caf::error&) {
            ++self->state.failures;
            m.command->responder->reply(unavailable("the database did not answer in time"));
          });
}

void get(self_ptr self, std::shared_ptr<TaskCommand> cmd, const GetTask& op) {
  auto& st = self->state;
  ++st.reads;
  self->request(st.store, st.options.request_timeout, load_atom::value, st.user_id, op.task_id)
      .await(
          [=](LoadOutcome& out) {
            if (out.status == StoreStatus::ok && out.task) {
              TaskReply r;
              r.task = std::move(out.task);
              cmd->responder->reply(std::move(r));
            } else if (out.status == StoreStatus::not_found) {
              cmd->responder->reply(failure(ReplyStatus::not_found, "no task with id " + op.task_id));
            } else {
              cmd->responder->reply(unavailable("the database is unavailable"));
            }
          },
          [=](caf::error&) { cmd->responder->reply(unavailable("the database did not answer in time")); });
}

void list(self_ptr self, std::shared_ptr<TaskCommand> cmd, const ListTasks& op) {
  auto& st = self->state;
  ++st.reads;
  self->request(st.store, st.options.request_timeout, list_atom::value, st.user_id, op.query)
      .await(
          [=](ListOutcome& out) {
            if (out.status != StoreStatus::ok) {
              cmd->responder->reply(unavailable("the database is unavailable"));
              return;
            }
            TaskReply r;
            r.tasks = std::move(out.tasks);
            cmd->responder->reply(std::move(r));
          },
          [=](caf::error&) { cmd->responder->reply(unavailable("the database did not answer in time")); });
}

void handle(self_ptr self, std::shared_ptr<TaskCommand> cmd) {
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

}  // namespace

user_actor::behavior_type user_actor_impl(self_ptr self, std::string user_id, persistence_actor store,
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
        auto cmd = std::make_shared<TaskCommand>(std::move(command));
        // Shed load: a request that waited in line past its deadline is answered, not executed.
        if (s.last_active - cmd->context.received_at > s.options.request_timeout) {
          ++s.failures;
          cmd->responder->reply(unavailable("the request waited too long for its turn"));
          return;
        }
        handle(self, std::move(cmd));
      },
      [=](store_atom, persistence_actor& fresh) { self->state.store = std::move(fresh); },
      [=](tick_atom) {
        auto& s = self->state;
        if (clock::now() - s.last_active >= s.options.idle_timeout)
          self->send(s.registry, idle_atom::value, s.user_id, s.handled);
        self->delayed_send(self, tick_every, tick_atom::value);
      },
      [=](stop_atom) { self->quit(); },
      [=](status_atom) {
        auto& s = self->state;
        auto out = make_status("user/" + s.user_id, "user", "running", self->mailbox().size(), s.started);
        out.details = {
            {"user_id", s.user_id},
            {"handled", s.handled},
            {"mutations", s.mutations},
            {"reads", s.reads},
            {"conflicts", s.conflicts},
            {"failures", s.failures},
            {"idle_ms", std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - s.last_active).count()},
        };
        return out;
      },
  };
}

}  // namespace tasks
