#include "tests/hostile/socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <utility>

namespace tasks::hostile {

Socket::Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)), errno_(other.errno_) {}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    errno_ = other.errno_;
  }
  return *this;
}

Socket Socket::connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Socket s;
    s.errno_ = errno;
    return s;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // requests leave as they are written
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    const int e = errno;
    ::close(fd);
    Socket s;
    s.errno_ = e;
    return s;
  }
  return Socket(fd);
}

bool Socket::connect_succeeded() const {
  int err = 0;
  socklen_t len = sizeof err;
  if (fd_ < 0 || ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return false;
  return err == 0;
}

Io Socket::write_pending(std::string& out) {
  std::size_t written = 0;
  const Io io = write_some(out, written);
  out.erase(0, written);
  if (io == Io::failed) return io;
  return out.empty() ? Io::progress : Io::would_block;
}

Io Socket::write_some(std::string_view bytes, std::size_t& written) {
  written = 0;
  if (fd_ < 0) return Io::failed;
  while (written < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return written > 0 ? Io::progress : Io::would_block;
    errno_ = n < 0 ? errno : EPIPE;
    return Io::failed;
  }
  return Io::progress;
}

Io Socket::read_some(std::string& into, std::size_t max) {
  if (fd_ < 0) return Io::failed;
  char buf[16 * 1024];
  std::size_t total = 0;
  while (total < max) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) return total > 0 ? Io::progress : Io::closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return total > 0 ? Io::progress : Io::would_block;
    errno_ = errno;
    return total > 0 ? Io::progress : Io::failed;
  }
  return Io::progress;
}

void Socket::close_with_fin() {
  if (fd_ < 0) return;
  char buf[16 * 1024];
  while (::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
  close();
}

void Socket::close_with_rst() {
  if (fd_ < 0) return;
  const linger abort_on_close{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  close();
}

void Socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string Socket::error_text() const {
  return errno_ ? std::strerror(errno_) : "no error";
}

}  // namespace tasks::hostile
