// List pages in the store on the backend under test: keyset pages (after the position of the
// previous page's last task) give every task once, in creation order, also while tasks come
// and go between pages; the offset form still works and says where a keyset page would go on.

#include <boost/test/unit_test.hpp>
#include <set>

#include "persistence/store.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/integration/store_samples.hpp"

using namespace tasks;
using namespace tasks::testing;

namespace {

std::vector<Task> insert_many(Store& store, const std::string& user, int n) {
  std::vector<Task> out;
  std::vector<Commit> batch;
  for (int i = 0; i < n; ++i) {
    out.push_back(make_task(user, "t" + std::to_string(i)));
    batch.push_back(insert(out.back()));
    if (batch.size() == 25 || i + 1 == n) {
      for (const auto& o : store.commit(batch)) BOOST_REQUIRE((o.status == StoreStatus::ok));
      batch.clear();
    }
  }
  return out;
}

std::vector<std::string> ids_of(const std::vector<Task>& tasks) {
  std::vector<std::string> out;
  for (const auto& t : tasks) out.push_back(t.id);
  return out;
}

// Every page by cursor, `limit` at a time; `between` runs after each page (with its number).
std::vector<std::string> all_pages(Store& store, const std::string& user, ListQuery query, size_t& pages,
                                   const std::function<void(size_t)>& between = {}) {
  std::vector<std::string> seen;
  pages = 0;
  while (true) {
    auto page = store.list(user, query);
    BOOST_REQUIRE((page.status == StoreStatus::ok));
    BOOST_REQUIRE(page.tasks.size() <= static_cast<size_t>(query.limit));
    ++pages;
    for (const auto& t : page.tasks) seen.push_back(t.id);
    // A cursor exactly when the page is full.
    BOOST_REQUIRE(page.next_after.has_value() == (page.tasks.size() == static_cast<size_t>(query.limit)));
    if (!page.next_after) return seen;
    BOOST_REQUIRE(pages < 1000u);
    if (query.after) BOOST_REQUIRE(*page.next_after > *query.after);
    query.after = page.next_after;
    if (between) between(pages);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_pages)

BOOST_AUTO_TEST_CASE(keyset_pages_give_every_task_once_in_order) {
  const std::string user = unique_user("pages");
  Store store(parse_db_url(Environment::get().db_url()));
  auto tasks = insert_many(store, user, 50);
  insert_many(store, unique_user("pages"), 10);  // someone else's, in between
  for (auto& t : insert_many(store, user, 50)) tasks.push_back(t);
  ListQuery q;
  q.limit = 7;
  size_t pages = 0;
  auto seen = all_pages(store, user, q, pages);
  BOOST_TEST(seen == ids_of(tasks), boost::test_tools::per_element());
  BOOST_TEST(pages == 15u);  // 14 full pages and one of 2
  // A last page that is exactly full: one more, empty, page ends it.
  q.limit = 10;
  seen = all_pages(store, user, q, pages);
  BOOST_TEST(seen.size() == 100u);
  BOOST_TEST(pages == 11u);
}

BOOST_AUTO_TEST_CASE(keyset_pages_with_the_completed_filter) {
  const std::string user = unique_user("pages");
  Store store(parse_db_url(Environment::get().db_url()));
  auto tasks = insert_many(store, user, 100);
  std::vector<std::string> done, open;
  std::vector<Commit> batch;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (i % 3 == 0) {
      tasks[i].completed = true;
      batch.push_back(update(tasks[i], 1));
      done.push_back(tasks[i].id);
    } else {
      open.push_back(tasks[i].id);
    }
  }
  for (const auto& o : store.commit(batch)) BOOST_REQUIRE((o.status == StoreStatus::ok));
  ListQuery q;
  q.limit = 7;
  size_t pages = 0;
  q.completed = true;
  BOOST_TEST(all_pages(store, user, q, pages) == done, boost::test_tools::per_element());
  q.completed = false;
  BOOST_TEST(all_pages(store, user, q, pages) == open, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(keyset_pages_while_tasks_come_and_go) {
  const std::string user = unique_user("pages");
  Store store(parse_db_url(Environment::get().db_url()));
  auto tasks = insert_many(store, user, 100);
  std::set<std::string> deleted;
  std::vector<std::string> added;
  ListQuery q;
  q.limit = 7;
  size_t pages = 0;
  auto seen = all_pages(store, user, q, pages, [&](size_t page) {
    if (page > 5) return;
    // Delete one task already seen and one not seen yet, add two at the end.
    for (size_t i : {page * 7 - 3, page * 7 + 30}) {
      BOOST_REQUIRE((store.commit({removal(tasks[i], 1)})[0].status == StoreStatus::ok));
      deleted.insert(tasks[i].id);
    }
    for (auto& t : insert_many(store, user, 2)) added.push_back(t.id);
  });
  // Every task that was there all along comes once, in order, then the new ones; an unseen
  // task deleted meanwhile does not come (offset pages would skip a task per delete instead).
  std::vector<std::string> expected;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const bool seen_before_delete = i % 7 == 4 && i / 7 + 1 <= 5;
    if (!deleted.count(tasks[i].id) || seen_before_delete) expected.push_back(tasks[i].id);
  }
  expected.insert(expected.end(), added.begin(), added.end());
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  BOOST_TEST(std::set<std::string>(seen.begin(), seen.end()).size() == seen.size());
}

BOOST_AUTO_TEST_CASE(offset_pages_give_a_position_to_go_on_from) {
  const std::string user = unique_user("pages");
  Store store(parse_db_url(Environment::get().db_url()));
  auto tasks = insert_many(store, user, 20);
  ListQuery q;
  q.limit = 7;
  q.offset = 7;
  auto page = store.list(user, q);
  BOOST_REQUIRE(page.tasks.size() == 7u);
  BOOST_TEST(page.tasks.front().id == tasks[7].id);
  BOOST_REQUIRE(page.next_after.has_value());
  ListQuery next;
  next.limit = 7;
  next.after = page.next_after;
  auto rest = store.list(user, next);
  BOOST_REQUIRE(rest.tasks.size() == 6u);
  BOOST_TEST(rest.tasks.front().id == tasks[14].id);
  BOOST_TEST(!rest.next_after.has_value());
  q.offset = 14;
  BOOST_TEST(!store.list(user, q).next_after.has_value());  // not full: no next page
  q.offset = 100;
  BOOST_TEST(store.list(user, q).tasks.empty());
}

// Regression guard for the statements kept prepared across calls: a page cut by LIMIT must
// not leave its SQLite statement (and so an old read snapshot) open on the connection.
BOOST_AUTO_TEST_CASE(a_page_leaves_no_snapshot_behind) {
  const std::string user = unique_user("pages");
  auto url = Environment::get().db_url();
  Store store(parse_db_url(url));
  auto tasks = insert_many(store, user, 10);
  ListQuery q;
  q.limit = 3;
  BOOST_TEST(store.list(user, q).tasks.size() == 3u);
  q.after = store.list(user, q).next_after;
  BOOST_TEST(store.list(user, q).tasks.size() == 3u);
  DbPeek(url).exec("CREATE TABLE IF NOT EXISTS another_writer (x INTEGER)");
  DbPeek(url).exec("INSERT INTO another_writer (x) VALUES (1)");
  BOOST_TEST((store.commit({update(tasks[0], 1)})[0].status == StoreStatus::ok));
}

BOOST_AUTO_TEST_SUITE_END()
