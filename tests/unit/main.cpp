#define BOOST_TEST_MODULE unit
#include <boost/test/unit_test.hpp>

#include "core/log.hpp"

// The actors log what they do; in unit tests only errors are worth reading.
struct QuietLogs {
  QuietLogs() { tasks::log::configure("json", "error"); }
};
BOOST_TEST_GLOBAL_FIXTURE(QuietLogs);
