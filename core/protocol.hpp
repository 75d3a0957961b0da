#pragma once

// The map of the house: every atom, message type and actor interface of the system, declared
// once, a comment line each. Actors are implemented in persistence/, events/ and actors/;
// http/ and the tests only ever see these types.

#include <caf/all.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/command.hpp"
#include "core/commit.hpp"
#include "core/lease_plan.hpp"
#include "core/outbox.hpp"
#include "core/status.hpp"
#include "core/task.hpp"

namespace tasks {
struct StoreHandles;
}

// Messages that never leave the process need no serialiser.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::TaskCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::Commit)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::CommitOutcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::LoadOutcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::ListOutcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::ListQuery)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::Deadline)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::KeyOutcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::ActorStatus)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tasks::ActorStatus>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::OutboxFetch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::DeliveryReport)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tasks::OutboxBacklog>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tasks::OutboxRow>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tasks::DeadLetter>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tasks::DiscardedEvent>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tasks::BlockedLane>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::StoreHandles)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::ClusterView)

namespace tasks {

// clang-format off
// --- atoms ------------------------------------------------------------------------------------
using commit_atom   = caf::atom_constant<caf::atom("commit")>;    // write a change and its events
using load_atom     = caf::atom_constant<caf::atom("load")>;      // read one task
using list_atom     = caf::atom_constant<caf::atom("list")>;      // read a page of tasks
using key_atom      = caf::atom_constant<caf::atom("idemkey")>;   // the answer recorded for an Idempotency-Key
using ping_atom     = caf::atom_constant<caf::atom("ping")>;      // is the database reachable?
using purge_atom    = caf::atom_constant<caf::atom("purge")>;     // forget expired Idempotency-Keys
using flush_atom    = caf::atom_constant<caf::atom("flush")>;     // write the pending group commit
using nudge_atom    = caf::atom_constant<caf::atom("nudge")>;     // the outbox has new rows
using listen_atom   = caf::atom_constant<caf::atom("listen")>;    // tell me when the outbox grows
using status_atom   = caf::atom_constant<caf::atom("status")>;    // describe yourself
using tick_atom     = caf::atom_constant<caf::atom("tick")>;      // a timer fired
using idle_atom     = caf::atom_constant<caf::atom("idle")>;      // a user actor has nothing to do
using stop_atom     = caf::atom_constant<caf::atom("stop")>;      // passivate now
using store_atom    = caf::atom_constant<caf::atom("store")>;     // here is the current persistence actor
using children_atom = caf::atom_constant<caf::atom("children")>;  // describe your children
using crash_atom    = caf::atom_constant<caf::atom("crash")>;     // test-only fault switch: die now
using mangle_atom   = caf::atom_constant<caf::atom("mangle")>;    // test-only fault switch: send a user's events unreadable
using restart_atom  = caf::atom_constant<caf::atom("restart")>;   // start a child again
using fetch_atom    = caf::atom_constant<caf::atom("fetch")>;     // outbox rows that may be sent now
using settle_atom   = caf::atom_constant<caf::atom("settle")>;    // record a delivery round's results
using round_atom    = caf::atom_constant<caf::atom("round")>;     // run one delivery round
using drain_atom    = caf::atom_constant<caf::atom("drain")>;     // shutdown: deliver what is due, then answer
using pause_atom    = caf::atom_constant<caf::atom("pause")>;     // stop delivering for now
using resume_atom   = caf::atom_constant<caf::atom("resume")>;    // deliver again
using backlog_atom  = caf::atom_constant<caf::atom("backlog")>;   // pending rows per topic
using pending_atom  = caf::atom_constant<caf::atom("pending")>;   // the next rows of a topic
using dead_atom     = caf::atom_constant<caf::atom("dead")>;      // dead-lettered events
using redrive_atom  = caf::atom_constant<caf::atom("redrive")>;   // dead letters back into the outbox
using discard_atom  = caf::atom_constant<caf::atom("discard")>;   // give a dead letter up: its lane goes on
using discarded_atom = caf::atom_constant<caf::atom("discarded")>; // the record of discarded events
using lanes_atom    = caf::atom_constant<caf::atom("lanes")>;     // lanes stopped by a dead letter
using cluster_atom  = caf::atom_constant<caf::atom("cluster")>;   // the replicas and their bucket leases
using release_atom  = caf::atom_constant<caf::atom("release")>;   // shutdown: give every lease up

// --- interfaces -------------------------------------------------------------------------------

// Anything that wants to hear that the outbox has new rows (the publishers).
using outbox_listener_actor = caf::typed_actor<
  caf::reacts_to<nudge_atom>>;                                      // rows were committed for your topic

// Owns the writer's database session (detached: SOCI blocks). Commits arriving together share
// one transaction (group commit) but each keeps its own outcome; a commit whose deadline has
// passed is never started (answered `expired`), and a transaction never outlives the earliest
// deadline in it.
using persistence_actor = caf::typed_actor<
  caf::replies_to<commit_atom, Commit>::with<CommitOutcome>,        // the change, its events and its key, atomically
  caf::reacts_to<listen_atom, std::string, outbox_listener_actor>,  // nudge this actor on commits to a topic
  caf::reacts_to<flush_atom>,                                       // internal: run the group commit
  caf::reacts_to<purge_atom>,                                       // internal timer: drop expired Idempotency-Keys
  caf::replies_to<fetch_atom, std::string, std::int64_t, std::int64_t>::with<OutboxFetch>,  // (topic, lanes, rows a lane) -> sendable rows
  caf::replies_to<settle_atom, DeliveryReport>::with<bool>,         // a round's delivered/retry/dead rows and their lanes, atomically
  caf::replies_to<redrive_atom, std::string, std::string>::with<std::int64_t>,  // (topic, event id or "") -> moved back, first in their lanes
  caf::replies_to<discard_atom, std::string, std::string, std::string>::with<bool>,  // (event id, by, note) -> found; recorded, lane goes on
  caf::replies_to<pause_atom, std::string, bool>::with<bool>,       // (topic, paused) the service-wide flag every replica's publisher reads
  caf::replies_to<status_atom>::with<ActorStatus>>;                 // counters, batch sizes, last error

// Beside persistence, with a database connection of its own, serving outbox reads so that they
// never queue behind the writer's transactions. Two run: one serves the publishers' fetches
// (delegated by persistence), the other the operators' views (asked directly), so that
// monitoring never delays delivery. A view whose deadline has passed when its turn comes is
// answered with an error without running.
using outbox_reader_actor = caf::typed_actor<
  caf::replies_to<fetch_atom, std::string, std::int64_t, std::int64_t>::with<OutboxFetch>,  // (topic, lanes, rows a lane) -> sendable rows
  caf::replies_to<backlog_atom, std::int64_t, Deadline>::with<std::vector<OutboxBacklog>>,  // (reuse ms) per topic: pending, oldest, lanes, dead letters; a read that young may be answered again
  caf::replies_to<pending_atom, std::string, std::int64_t, Deadline>::with<std::vector<OutboxRow>>,  // (topic, n) next rows
  caf::replies_to<dead_atom, std::string, std::int64_t, Deadline>::with<std::vector<DeadLetter>>,    // (topic or "", n)
  caf::replies_to<lanes_atom, std::string, std::int64_t, Deadline>::with<std::vector<BlockedLane>>,  // (topic or "", n) blocked lanes
  caf::replies_to<discarded_atom, std::string, std::int64_t, Deadline>::with<std::vector<DiscardedEvent>>>;  // (topic or "", n) newest first

// Serves the task reads on a database connection of its own (detached: SOCI blocks), so that
// reads, lists and readiness checks never queue behind the writer's transactions. A read
// whose deadline has passed when its turn comes is answered `expired` without running.
using task_reader_actor = caf::typed_actor<
  caf::replies_to<load_atom, std::string, std::string, Deadline>::with<LoadOutcome>,  // (user, task id) -> task
  caf::replies_to<list_atom, std::string, ListQuery, Deadline>::with<ListOutcome>,    // (user, query) -> page
  caf::replies_to<key_atom, std::string, std::string, Deadline>::with<KeyOutcome>,    // (user, key) -> first answer
  caf::replies_to<ping_atom>::with<bool>,                           // true when the database answers
  caf::replies_to<status_atom>::with<ActorStatus>>;                 // reads served, expired, time spent

// The database's actors: the writer, the task reader (user actors' reads), the outbox reader
// (publishers' fetches through the writer) and the monitor (operators' outbox views).
struct StoreHandles {
  persistence_actor writer;
  task_reader_actor reader;
  outbox_reader_actor outbox = {};
  outbox_reader_actor monitor = {};
};

// One per topic (detached: curl blocks): drains that topic's outbox rows to the Dapr sidecar,
// one lane per user in commit order, lanes concurrently; retries with backoff, dead-letters.
using publisher_actor = caf::typed_actor<
  caf::reacts_to<nudge_atom>,                                       // rows were committed for this topic
  caf::reacts_to<tick_atom>,                                        // internal: poll timer, or a backoff ended
  caf::reacts_to<round_atom>,                                       // internal: run one delivery round now
  caf::reacts_to<store_atom, persistence_actor>,                    // persistence was restarted: use this one
  caf::replies_to<pause_atom>::with<bool>,                          // stop delivering on every replica (rows keep queueing)
  caf::replies_to<resume_atom>::with<bool>,                         // deliver again, on every replica
  caf::replies_to<drain_atom, std::int64_t>::with<std::int64_t>,    // (deadline ms) shutdown: deliver what is due
  caf::reacts_to<crash_atom>,                                       // test-only fault switch: die (when enabled)
  caf::replies_to<mangle_atom, std::string, bool>::with<bool>,      // test-only: (user, on) send that user's events as broken JSON
  caf::replies_to<status_atom>::with<ActorStatus>>;                 // state, counters, last error, next retry

// One per process (detached: SOCI blocks), with a database connection of its own: every renewal
// interval it records this replica, extends its bucket leases, and claims or gives back buckets
// as core/lease_plan decides. The publishers read the leases from the database (their fetches
// and settles check them); this actor only keeps them.
using lease_keeper_actor = caf::typed_actor<
  caf::reacts_to<tick_atom>,                                        // internal: renew now
  caf::replies_to<cluster_atom>::with<ClusterView>,                 // the replicas and buckets as last read
  caf::replies_to<release_atom, bool>::with<bool>,                  // (clean: nothing in flight) shutdown: give every lease up
  caf::replies_to<status_atom>::with<ActorStatus>>;                 // buckets held, renewals, claims, releases

// One user's actor: serialises that user's requests (at most TASKS_USER_QUEUE_LIMIT waiting or
// running; past it a request is answered 503 at once), plans each change's events, commits.
using user_actor = caf::typed_actor<
  caf::reacts_to<TaskCommand>,                                      // a client request; answered through its responder
  caf::reacts_to<store_atom, StoreHandles>,                         // persistence was restarted: use these
  caf::reacts_to<tick_atom>,                                        // internal: idle check
  caf::reacts_to<stop_atom>,                                        // the registry agreed to passivate this actor
  caf::replies_to<status_atom>::with<ActorStatus>>;                 // counters, idle time

// Routes each request to its user's actor, spawning it on first use and stopping it when idle.
using registry_actor = caf::typed_actor<
  caf::reacts_to<TaskCommand>,                                      // route to the user's actor
  caf::reacts_to<idle_atom, std::string, std::uint64_t>,            // (user, commands handled) from an idle actor
  caf::reacts_to<store_atom, StoreHandles>,                         // persistence was restarted: tell every user actor
  caf::replies_to<status_atom>::with<ActorStatus>,                  // the registry itself
  caf::replies_to<children_atom>::with<std::vector<ActorStatus>>>;  // every live user actor

// Starts persistence, the registry and the publishers, restarts whichever dies, and re-wires
// the survivors to the replacement.
using supervisor_actor = caf::typed_actor<
  caf::reacts_to<restart_atom, std::string>,                        // internal: (child id) start it again after a pause
  caf::replies_to<status_atom>::with<ActorStatus>,                  // the supervisor itself: restarts per child
  caf::replies_to<children_atom>::with<std::vector<ActorStatus>>>;  // every supervised actor's status
// clang-format on

}  // namespace tasks
