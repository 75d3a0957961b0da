#define BOOST_TEST_MODULE evidence
#include <boost/test/unit_test.hpp>
