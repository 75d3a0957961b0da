#define BOOST_TEST_MODULE shell_unit
#include <boost/test/unit_test.hpp>
