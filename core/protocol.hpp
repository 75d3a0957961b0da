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
#include "core/outbox.hpp"
#include "core/status.hpp"
#include "core/task.hpp"

// Messages that never leave the process need no serialiser.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::TaskCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::Commit)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::CommitOutcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::LoadOutcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::ListOutcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::ListQuery)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tasks::ActorStatus)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tasks::ActorStatus>)

namespace tasks {

// --- atoms ------------------------------------------------------------------------------------
using commit_atom = caf::atom_constant<caf::atom("commit")>;      // write a change and its events
using load_atom = caf::atom_constant<caf::atom("load")>;          // read one task
using list_atom = caf::atom_constant<caf::atom("list")>;          // read a page of tasks
using ping_atom = caf::atom_constant<caf::atom("ping")>;          // is the database reachable?
using flush_atom = caf::atom_constant<caf::atom("flush")>;        // write the pending group commit
using nudge_atom = caf::atom_constant<caf::atom("nudge")>;        // the outbox has new rows
using listen_atom = caf::atom_constant<caf::atom("listen")>;      // tell me when the outbox grows
using status_atom = caf::atom_constant<caf::atom("status")>;      // describe yourself
using tick_atom = caf::atom_constant<caf::atom("tick")>;          // a timer fired
using idle_atom = caf::atom_constant<caf::atom("idle")>;          // a user actor has nothing to do
using stop_atom = caf::atom_constant<caf::atom("stop")>;          // passivate now
using store_atom = caf::atom_constant<caf::atom("store")>;        // here is the current persistence actor
using children_atom = caf::atom_constant<caf::atom("children")>;  // describe your children
using crash_atom = caf::atom_constant<caf::atom("crash")>;        // test-only fault switch: die now
using restart_atom = caf::atom_constant<caf::atom("restart")>;    // start a child again

// --- interfaces -------------------------------------------------------------------------------

// Anything that wants to hear that the outbox has new rows (the publishers).
using outbox_listener_actor = caf::typed_actor<caf::reacts_to<nudge_atom>>;  // new rows were committed for your topic

// Owns the database session (detached: SOCI blocks). Commits arriving together share one
// transaction (group commit) but each keeps its own outcome.
using persistence_actor = caf::typed_actor<
    caf::replies_to<commit_atom, Commit>::with<CommitOutcome>,                // the change and its events, atomically
    caf::replies_to<load_atom, std::string, std::string>::with<LoadOutcome>,  // (user, task id) -> task
    caf::replies_to<list_atom, std::string, ListQuery>::with<ListOutcome>,    // (user, query) -> page
    caf::replies_to<ping_atom>::with<bool>,                                   // true when the database answers
    caf::reacts_to<listen_atom, std::string, outbox_listener_actor>,          // nudge this actor on commits to a topic
    caf::reacts_to<flush_atom>,                                               // internal: run the group commit
    caf::replies_to<status_atom>::with<ActorStatus>>;                         // counters, batch sizes, last error

// One user's actor: serialises that user's requests, plans each change's events, commits.
using user_actor =
    caf::typed_actor<caf::reacts_to<TaskCommand>,                    // a client request; answered through its responder
                     caf::reacts_to<store_atom, persistence_actor>,  // persistence was restarted: use this one
                     caf::reacts_to<tick_atom>,                      // internal: idle check
                     caf::reacts_to<stop_atom>,                      // the registry agreed to passivate this actor
                     caf::replies_to<status_atom>::with<ActorStatus>>;

// Routes each request to its user's actor, spawning it on first use and stopping it when idle.
using registry_actor =
    caf::typed_actor<caf::reacts_to<TaskCommand>,                            // route to the user's actor
                     caf::reacts_to<idle_atom, std::string, std::uint64_t>,  // (user, commands handled) from an idle
                                                                             // actor
                     caf::reacts_to<store_atom, persistence_actor>,  // persistence was restarted: tell every user actor
                     caf::replies_to<status_atom>::with<ActorStatus>,                  // the registry itself
                     caf::replies_to<children_atom>::with<std::vector<ActorStatus>>>;  // every live user actor

// Starts persistence and the registry (and, through the wiring app/ gives it, every other
// long-lived actor), restarts whichever dies, and re-wires the survivors to the replacement.
using supervisor_actor =
    caf::typed_actor<caf::reacts_to<restart_atom, std::string>,  // internal: (child id) start it again after a pause
                     caf::replies_to<status_atom>::with<ActorStatus>,  // the supervisor itself: restarts per child
                     caf::replies_to<children_atom>::with<std::vector<ActorStatus>>>;  // every supervised actor's
                                                                                       // status

}  // namespace tasks
