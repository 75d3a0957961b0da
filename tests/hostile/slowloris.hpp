#pragma once

// Slowloris: many connections, each sending a request head a byte at a time, never finishing
// it. What the server does with each: how long after its first byte it closed it, and what (if
// anything) it answered first.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/hostile/latencies.hpp"

namespace tasks::hostile {

struct SlowlorisOptions {
  int port = 0;
  int connections = 500;
  std::string head;                               // longer than the bytes that fit in the run
  std::chrono::milliseconds byte_every{1000};     // per connection (starts spread over one period)
  std::chrono::milliseconds give_up_after{9000};  // from the start of the run
};

struct SlowlorisResult {
  int connected = 0;
  int connect_failures = 0;
  int closed_by_server = 0;     // EOF or reset seen before giving up
  int still_open = 0;           // at give-up time
  int finished_head = 0;        // sent the whole head (the run was too long for it: a bad setup)
  std::map<int, int> statuses;  // answers seen before the close
  int answers_not_problem_json = 0;
  int malformed = 0;          // bytes that are not an HTTP response
  Latencies closed_after_ms;  // first byte sent → close seen
  std::vector<std::string> notes;
  double seconds = 0;
};

SlowlorisResult run_slowloris(const SlowlorisOptions& options);

std::string describe(const SlowlorisResult& result);

}  // namespace tasks::hostile
