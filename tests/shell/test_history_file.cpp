#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "shell/history_file.hpp"

using namespace tasks::shell;
using Lines = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "shell-history-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string read(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(history_file)

BOOST_AUTO_TEST_CASE(the_path_comes_from_the_environment_or_home) {
  std::map<std::string, std::string> env;
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  BOOST_TEST(history_path(getenv) == "");
  env["HOME"] = "/home/op";
  BOOST_TEST(history_path(getenv) == "/home/op/.taskctl_history");
  env["TASKCTL_HISTORY"] = "/tmp/h";
  BOOST_TEST(history_path(getenv) == "/tmp/h");
}

BOOST_AUTO_TEST_CASE(saved_history_loads_back_as_plain_lines) {
  TempDir dir;
  const auto file = (dir.path / "history").string();
  BOOST_TEST(load_history(file).empty());  // missing file: no history yet
  BOOST_TEST(save_history(file, {"actors", "inspect user/alice"}));
  BOOST_TEST(read(file) == "actors\ninspect user/alice\n");
  BOOST_TEST(load_history(file) == (Lines{"actors", "inspect user/alice"}), boost::test_tools::per_element());
  BOOST_TEST(!fs::exists(file + ".tmp"));
}

BOOST_AUTO_TEST_CASE(only_the_newest_entries_are_kept) {
  TempDir dir;
  const auto file = (dir.path / "history").string();
  Lines many;
  for (int i = 0; i < 10; ++i) many.push_back("cmd " + std::to_string(i));
  BOOST_TEST(save_history(file, many, 3));
  BOOST_TEST(load_history(file) == (Lines{"cmd 7", "cmd 8", "cmd 9"}), boost::test_tools::per_element());
  BOOST_TEST(load_history(file, 2) == (Lines{"cmd 8", "cmd 9"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unwritable_place_is_reported) {
  BOOST_TEST(!save_history("/nonexistent-dir/history", {"actors"}));
  BOOST_TEST(!save_history("", {"actors"}));
}

BOOST_AUTO_TEST_CASE(remembering_skips_blanks_and_repeats_and_trims) {
  Lines entries;
  BOOST_TEST(remember(entries, "actors "));
  BOOST_TEST(!remember(entries, "actors"));
  BOOST_TEST(!remember(entries, "   "));
  BOOST_TEST(remember(entries, "publishers"));
  BOOST_TEST(remember(entries, "actors"));
  BOOST_TEST(entries == (Lines{"actors", "publishers", "actors"}), boost::test_tools::per_element());
  remember(entries, "dead", 2);
  BOOST_TEST(entries == (Lines{"actors", "dead"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
