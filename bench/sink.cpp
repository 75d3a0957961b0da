// bench-sink: the recording sidecar as a program, for `make bench`. Answers every publish with
// 204, optionally after a delay (a slow sidecar), counting instead of keeping requests. On
// SIGTERM it prints one JSON line with what it saw.

#include <pthread.h>
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "tests/support/recording_sidecar.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bench-sink: a stand-in Dapr sidecar for benchmarks"};
  int port = 0;
  long delay_ms = 0;
  app.add_option("--port", port, "loopback port")->required();
  app.add_option("--delay-ms", delay_ms, "answer each publish this much later");
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  tasks::testing::RecordingSidecar sink(port);
  sink.keep_requests(false);
  sink.behave("", tasks::testing::SidecarBehaviour{204, std::chrono::milliseconds(delay_ms), false});
  std::cout << "ready" << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  std::cout << R"({"requests":)" << sink.request_count() << R"(,"delivered":)" << sink.delivered_count() << "}"
            << std::endl;
  return 0;
}
