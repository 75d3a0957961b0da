#pragma once

// What the kernel says about a taskd process: found by the port it listens on (TaskdProcess has
// no pid accessor), its resident memory and its open file descriptors from /proc.

#include <sys/types.h>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

namespace tasks::hostile {

// The process (of this user) holding the socket that listens on 127.0.0.1:port / *:port.
std::optional<pid_t> pid_listening_on(int port);
// VmRSS in KiB, or nothing when the process is gone.
std::optional<long> rss_kib(pid_t pid);
// Entries of /proc/<pid>/fd, or nothing when the process is gone.
std::optional<int> open_fds(pid_t pid);

// Samples a process's RSS and fd count on a thread of its own until stopped: the peaks.
class ResourceSampler {
 public:
  ResourceSampler(pid_t pid, std::chrono::milliseconds every);
  ~ResourceSampler() { stop(); }
  ResourceSampler(const ResourceSampler&) = delete;
  ResourceSampler& operator=(const ResourceSampler&) = delete;

  void stop();
  long peak_rss_kib() const { return peak_rss_.load(); }
  int peak_fds() const { return peak_fds_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_rss_{0};
  std::atomic<int> peak_fds_{0};
  std::thread thread_;
};

// Raises this process's soft open-file limit to the hard limit; returns the new soft limit.
long raise_open_file_limit();

}  // namespace tasks::hostile
