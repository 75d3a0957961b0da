#pragma once

// Ctrl-C as a request, not a kill: while an InterruptCatcher lives, SIGINT only raises a flag,
// which `watch` looks at between runs and the prompt takes as "drop this line". Without
// SA_RESTART, so a read waiting at the prompt returns at once.

#include <chrono>
#include <csignal>

namespace tasks::shell {

class InterruptCatcher {
 public:
  InterruptCatcher();
  ~InterruptCatcher();  // puts the previous handler back
  InterruptCatcher(const InterruptCatcher&) = delete;
  InterruptCatcher& operator=(const InterruptCatcher&) = delete;

 private:
  struct sigaction previous_ {};
};

// Whether Ctrl-C was pressed since the last clear_interrupt().
bool interrupted();
void clear_interrupt();

// Sleeps for `duration`, waking early on Ctrl-C; false when it was interrupted.
bool sleep_unless_interrupted(std::chrono::milliseconds duration);

}  // namespace tasks::shell
