#pragma once

// What the hostile cases share: a quiet taskd of their own, its pid, raw request text, and the
// settings a run can be given from the environment.

#include <sys/types.h>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/taskd_process.hpp"

namespace tasks::hostile {

// A taskd with `env` on top of the suite's defaults (warnings-only log: the load is high).
std::unique_ptr<testing::TaskdProcess> start_taskd(std::map<std::string, std::string> env = {});

// The taskd's pid, found through its listening socket.
pid_t pid_of(const testing::TaskdProcess& taskd);

// The last bytes of taskd's stderr and stdout (for the message of a failed assertion).
std::string log_tail(const testing::TaskdProcess& taskd, std::size_t bytes = 1500);

// "METHOD target HTTP/1.1" with a Host header, the given header lines, Content-Length when there
// is a body, and the body.
std::string http_request(std::string_view method, std::string_view target, const std::vector<std::string>& headers = {},
                         std::string_view body = {});

// An integer setting from the environment, or the default.
std::int64_t env_int(const char* name, std::int64_t fallback);

// Built with AddressSanitizer: everything is a few times slower.
constexpr bool kSanitized =
#if defined(__SANITIZE_ADDRESS__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

// How much taskd's RSS may grow in a load case. Under AddressSanitizer freed memory waits in a
// 256 MiB quarantine and every byte has shadow memory, so the bound there only catches runaways.
constexpr long kRssGrowthBoundMib = kSanitized ? 1024 : 256;

}  // namespace tasks::hostile
