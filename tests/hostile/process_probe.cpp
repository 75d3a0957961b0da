#include "tests/hostile/process_probe.hpp"

#include <sys/resource.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace tasks::hostile {

namespace {

// The inodes of listening sockets on `port` in one of /proc/net/tcp{,6}.
std::vector<std::string> listening_inodes(const std::string& table, int port) {
  std::vector<std::string> inodes;
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // the column titles
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
    if (state != "0A") continue;  // TCP_LISTEN
    const auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) inodes.push_back(inode);
  }
  return inodes;
}

}  // namespace

std::optional<pid_t> pid_listening_on(int port) {
  auto inodes = listening_inodes("/proc/net/tcp", port);
  for (auto& i : listening_inodes("/proc/net/tcp6", port)) inodes.push_back(i);
  if (inodes.empty()) return std::nullopt;
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = proc.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      const std::string target = std::filesystem::read_symlink(fd.path(), link_ec).string();
      if (link_ec || target.rfind("socket:[", 0) != 0) continue;
      const std::string inode = target.substr(8, target.size() - 9);
      for (const auto& wanted : inodes)
        if (inode == wanted) return static_cast<pid_t>(std::stol(name));
    }
  }
  return std::nullopt;
}

std::optional<long> rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return std::nullopt;
}

std::optional<int> open_fds(pid_t pid) {
  std::error_code ec;
  int n = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  if (ec) return std::nullopt;
  return n;
}

ResourceSampler::ResourceSampler(pid_t pid, std::chrono::milliseconds every) {
  thread_ = std::thread([this, pid, every] {
    while (!stop_.load()) {
      if (const auto rss = rss_kib(pid); rss && *rss > peak_rss_.load()) peak_rss_ = *rss;
      if (const auto fds = open_fds(pid); fds && *fds > peak_fds_.load()) peak_fds_ = *fds;
      // A sampling period, not synchronisation: nothing waits on this thread's results but stop().
      std::this_thread::sleep_for(every);
    }
  });
}

void ResourceSampler::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

long raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<long>(limit.rlim_cur);
}

}  // namespace tasks::hostile
