#define BOOST_TEST_MODULE hostile
#include <boost/test/unit_test.hpp>

// The hostile-client suite: a real taskd per case, driven over raw sockets by clients that
// pipeline, hang up, send malformed framing, trickle bytes, sit idle and overload it.
