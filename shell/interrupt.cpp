#include "shell/interrupt.hpp"

#include <thread>

namespace tasks::shell {

namespace {

volatile std::sig_atomic_t interrupt_flag = 0;

void on_interrupt(int) {
  interrupt_flag = 1;
}

}  // namespace

InterruptCatcher::InterruptCatcher() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, &previous_);
}

InterruptCatcher::~InterruptCatcher() {
  sigaction(SIGINT, &previous_, nullptr);
}

bool interrupted() {
  return interrupt_flag != 0;
}

void clear_interrupt() {
  interrupt_flag = 0;
}

bool sleep_unless_interrupted(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  constexpr auto step = std::chrono::milliseconds(50);
  while (!interrupted()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(step, until - now));
  }
  return false;
}

}  // namespace tasks::shell
