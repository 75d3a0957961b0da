#pragma once

// A thin epoll wrapper: the key of a registration is a 64-bit connection serial chosen by the
// caller, never the file descriptor (descriptors are reused as connections come and go).

#include <sys/epoll.h>
#include <cstdint>
#include <vector>

namespace tasks::hostile {

class Epoll {
 public:
  Epoll();
  ~Epoll();
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;

  void add(int fd, std::uint32_t events, std::uint64_t key);
  void modify(int fd, std::uint32_t events, std::uint64_t key);
  void remove(int fd);
  // Waits at most timeout_ms (0: poll) and returns the ready registrations.
  const std::vector<epoll_event>& wait(int timeout_ms);

 private:
  int fd_ = -1;
  std::vector<epoll_event> ready_;
  std::vector<epoll_event> out_;
};

}  // namespace tasks::hostile
