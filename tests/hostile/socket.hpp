#pragma once

// A non-blocking TCP socket to 127.0.0.1 with the byte-level control the hostile suite needs:
// partial writes, reads into a parser, and the two ways a client hangs up (FIN or RST).

#include <cstddef>
#include <string>
#include <string_view>

namespace tasks::hostile {

enum class Io {
  progress,     // some bytes moved
  would_block,  // nothing now; wait for readiness
  closed,       // the peer closed (EOF) — reads only
  failed,       // an error such as ECONNRESET or EPIPE (see error())
};

class Socket {
 public:
  Socket() = default;
  ~Socket() { close(); }
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Starts a non-blocking connect to 127.0.0.1:port; is_open() is false when even that failed.
  static Socket connect_to(int port);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // After the socket became writable: whether the connect succeeded (SO_ERROR is 0).
  bool connect_succeeded() const;

  // Writes from `bytes` as much as the kernel takes; `written` says how much.
  Io write_some(std::string_view bytes, std::size_t& written);
  // Writes the front of `out` and drops what was written: progress when all of it went,
  // would_block when some waits for writability, failed on an error.
  Io write_pending(std::string& out);
  // Appends what is there (up to `max` bytes) to `into`.
  Io read_some(std::string& into, std::size_t max = 64 * 1024);

  // Hang-ups. FIN: unread bytes are discarded first, so the kernel sends FIN rather than RST.
  // RST: SO_LINGER {1, 0} and close. close(): plain close.
  void close_with_fin();
  void close_with_rst();
  void close();

  int error() const { return errno_; }
  std::string error_text() const;

 private:
  explicit Socket(int fd) : fd_(fd) {}
  int fd_ = -1;
  int errno_ = 0;
};

}  // namespace tasks::hostile
