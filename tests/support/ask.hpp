#pragma once

// Asking an actor from a test thread, blocking with a deadline (tests only: never in the
// service, where nothing may block on an actor).

#include <boost/test/unit_test.hpp>

#include "core/protocol.hpp"

namespace tasks::testing {

template <class Handle>
ActorStatus status_of(caf::actor_system& sys, const Handle& h) {
  caf::scoped_actor self{sys};
  ActorStatus out;
  self->request(h, std::chrono::seconds(5), status_atom::value)
      .receive([&](ActorStatus& s) { out = std::move(s); }, [](caf::error& e) { BOOST_FAIL(to_string(e)); });
  return out;
}

}  // namespace tasks::testing
