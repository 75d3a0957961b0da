#define BOOST_TEST_MODULE shell_live
#include <boost/test/unit_test.hpp>
