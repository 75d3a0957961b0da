#include "tests/hostile/epoll.hpp"

#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tasks::hostile {

Epoll::Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)), ready_(1024) {
  if (fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

Epoll::~Epoll() {
  if (fd_ >= 0) ::close(fd_);
}

void Epoll::add(int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
    throw std::runtime_error(std::string("epoll_ctl add: ") + std::strerror(errno));
}

void Epoll::modify(int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (::epoll_ctl(fd_, EPOLL_CTL_MOD, fd, &ev) != 0)
    throw std::runtime_error(std::string("epoll_ctl mod: ") + std::strerror(errno));
}

void Epoll::remove(int fd) {
  ::epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr);  // closing the fd removes it too; errors do not matter
}

const std::vector<epoll_event>& Epoll::wait(int timeout_ms) {
  out_.clear();
  const int n = ::epoll_wait(fd_, ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
  if (n > 0) out_.assign(ready_.begin(), ready_.begin() + n);
  return out_;
}

}  // namespace tasks::hostile
