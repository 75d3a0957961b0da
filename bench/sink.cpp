// bench-sink: the recording sidecar as a program, for the benchmarks. Answers every publish with
// 204, optionally after a delay (a slow sidecar), counting instead of keeping requests. On
// SIGTERM it prints one JSON line with what it saw: the publish counts ("requests": events
// received, a single publish or a bulk entry each, as before bulk; "http_requests": HTTP
// exchanges, "bulk_requests": those on the bulk route), the latency from each
// event's `time` to its arrival (bench/sink_stats.hpp) and, with --count-ids, distinct events,
// duplicates and commits.

#include <pthread.h>
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "bench/sink_stats.hpp"
#include "tests/support/recording_sidecar.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bench-sink: a stand-in Dapr sidecar for benchmarks"};
  int port = 0;
  long delay_ms = 0;
  bool count_ids = false;
  app.add_option("--port", port, "loopback port")->required();
  app.add_option("--delay-ms", delay_ms, "answer each publish this much later");
  app.add_flag("--count-ids", count_ids, "count distinct event ids, duplicates and commits (memory grows per event)");
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Declared before the sidecar, so that it outlives the sidecar's threads that feed it.
  tasks::bench::SinkStats stats(count_ids);
  tasks::testing::RecordingSidecar sink(port);
  sink.keep_requests(false);
  sink.observe([&stats](const tasks::testing::RecordedPublish& r) { stats.add(r); });
  sink.behave("", tasks::testing::SidecarBehaviour{204, std::chrono::milliseconds(delay_ms), false});
  std::cout << "ready" << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  sink.stop();  // no publish is counted after the line below
  auto line = stats.json();
  line["requests"] = sink.request_count();  // events (bench/replicas_report.py compares them with commits)
  line["http_requests"] = sink.http_request_count();
  line["bulk_requests"] = sink.bulk_request_count();
  line["delivered"] = sink.delivered_count();
  std::cout << line.dump() << std::endl;
  return 0;
}
