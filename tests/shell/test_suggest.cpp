#include <boost/test/unit_test.hpp>

#include "shell/commands.hpp"
#include "shell/suggest.hpp"

using namespace tasks::shell;

BOOST_AUTO_TEST_SUITE(suggest)

BOOST_AUTO_TEST_CASE(edit_distance_counts_insertions_deletions_substitutions_and_swaps) {
  BOOST_TEST(edit_distance("", "") == 0u);
  BOOST_TEST(edit_distance("actors", "actors") == 0u);
  BOOST_TEST(edit_distance("actrs", "actors") == 1u);     // deletion
  BOOST_TEST(edit_distance("actorss", "actors") == 1u);   // insertion
  BOOST_TEST(edit_distance("axtors", "actors") == 1u);    // substitution
  BOOST_TEST(edit_distance("inpsect", "inspect") == 1u);  // swap of neighbours
  BOOST_TEST(edit_distance("", "dead") == 4u);
  BOOST_TEST(edit_distance("kitten", "sitting") == 3u);
}

BOOST_AUTO_TEST_CASE(the_closest_command_is_suggested) {
  const auto names = command_names();
  BOOST_TEST(*closest("actrs", names) == "actors");
  BOOST_TEST(*closest("inpsect", names) == "inspect");
  BOOST_TEST(*closest("publisher", names) == "publishers");  // a prefix
  BOOST_TEST(*closest("pub", names) == "publishers");
  BOOST_TEST(*closest("resum", names) == "resume");
  BOOST_TEST(*closest("quti", names) == "quit");
  BOOST_TEST(*closest("metircs", names) == "metrics");
  BOOST_TEST(*closest("clsuter", names) == "cluster");
}

BOOST_AUTO_TEST_CASE(nothing_is_suggested_for_what_is_far_from_every_command) {
  const auto names = command_names();
  BOOST_TEST(!closest("", names).has_value());
  BOOST_TEST(!closest("x", names).has_value());
  BOOST_TEST(!closest("frobnicate", names).has_value());
  BOOST_TEST(!closest("ls", names).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
