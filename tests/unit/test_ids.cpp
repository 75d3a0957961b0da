#include <boost/test/unit_test.hpp>

#include <set>
#include <thread>
#include <vector>

#include "core/ids.hpp"

using namespace tasks;

BOOST_AUTO_TEST_SUITE(ids)

// Version 4, the RFC 4122 variant, lower-case hex in 8-4-4-4-12: what canonical_uuid accepts
// unchanged (task ids are looked up in that form).
BOOST_AUTO_TEST_CASE(new_ids_are_canonical_version_4_uuids) {
  for (int i = 0; i < 1000; ++i) {
    const auto id = new_uuid();
    BOOST_TEST_REQUIRE(id.size() == 36u);
    BOOST_TEST_REQUIRE((canonical_uuid(id) && *canonical_uuid(id) == id), id);
    BOOST_TEST_REQUIRE(id[14] == '4', id);
    BOOST_TEST_REQUIRE((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'), id);
  }
}

// Threads have generators of their own, seeded apart: no id comes twice, within a thread or
// across them.
BOOST_AUTO_TEST_CASE(ids_do_not_repeat_across_threads) {
  constexpr int threads = 4, each = 20'000;
  std::vector<std::vector<std::string>> made(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&made, t] {
      for (int i = 0; i < each; ++i) made[static_cast<size_t>(t)].push_back(new_uuid());
    });
  for (auto& w : workers) w.join();
  std::set<std::string> all;
  for (const auto& ids : made) all.insert(ids.begin(), ids.end());
  BOOST_TEST(all.size() == static_cast<size_t>(threads * each));
}

BOOST_AUTO_TEST_SUITE_END()
