// Idempotency-Keys in the store on the backend under test: recorded with their commit, looked
// up for replays, a twin refused with nothing written, forgotten after they expire.

#include <boost/test/unit_test.hpp>

#include "core/time.hpp"
#include "persistence/store.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/integration/store_samples.hpp"

using namespace tasks;
using namespace tasks::testing;

namespace {

bool same_record(const IdempotencyRecord& a, const IdempotencyRecord& b) {
  return a.user_id == b.user_id && a.key == b.key && a.fingerprint == b.fingerprint && a.status == b.status &&
         a.body == b.body && a.location == b.location && a.created_at == b.created_at && a.expires_at == b.expires_at;
}

long long keys_of(const std::string& url, const std::string& user) {
  return DbPeek(url).count("SELECT COUNT(*) FROM idempotency_keys WHERE user_id = '" + user + "'");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_keys)

BOOST_AUTO_TEST_CASE(a_key_is_recorded_with_its_commit_and_replayed) {
  const std::string user = unique_user("keys");
  auto url = Environment::get().fresh_db_url("keys");
  Store store(parse_db_url(url));
  const millis now = now_millis();
  auto record = key_record(user, "key-1", "sha256:abc", now, now + 86'400'000LL);
  record.body += std::string(3000, 'x');  // a body of some size, quotes and all
  Task t = make_task(user, "t");
  BOOST_REQUIRE((store.commit({with_key(insert(t), record)})[0].status == StoreStatus::ok));
  auto found = store.lookup_key(user, "key-1", now + 1);
  BOOST_REQUIRE((found.status == StoreStatus::ok));
  BOOST_REQUIRE(found.record.has_value());
  BOOST_TEST(same_record(*found.record, record));
  // An answer without a body or Location (a 204) round-trips as well.
  auto empty = key_record(user, "key-2", "sha256:def", now, now + 1000);
  empty.status = 204;
  empty.body.clear();
  empty.location.clear();
  BOOST_REQUIRE((store.commit({with_key(removal(t, 1), empty)})[0].status == StoreStatus::ok));
  auto gone = store.lookup_key(user, "key-2", now);
  BOOST_REQUIRE(gone.record.has_value());
  BOOST_TEST(same_record(*gone.record, empty));
  // Keys are per user.
  BOOST_TEST((store.lookup_key(unique_user("keys"), "key-1", now).status == StoreStatus::not_found));
  BOOST_TEST((store.lookup_key(user, "key-3", now).status == StoreStatus::not_found));
}

BOOST_AUTO_TEST_CASE(a_recorded_key_makes_its_twin_a_duplicate_that_writes_nothing) {
  const std::string user = unique_user("keys");
  auto url = Environment::get().fresh_db_url("keys_dup");
  Store store(parse_db_url(url));
  const millis now = now_millis();
  Task first = make_task(user, "first"), twin = make_task(user, "twin"), again = make_task(user, "again");
  auto record = key_record(user, "k", "fp-1", now, now + 60'000);
  BOOST_REQUIRE((store.commit({with_key(insert(first), record)})[0].status == StoreStatus::ok));
  // In a later batch, and twice within one batch (the fast path, no savepoints).
  BOOST_TEST((store.commit({with_key(insert(twin), key_record(user, "k", "fp-2", now, now + 60'000))})[0].status ==
              StoreStatus::duplicate_key));
  Task other = make_task(user, "other");
  auto out = store.commit({with_key(insert(again), key_record(user, "k2", "fp-3", now, now + 60'000)),
                           with_key(insert(other), key_record(user, "k2", "fp-4", now, now + 60'000))});
  BOOST_TEST((out[0].status == StoreStatus::ok));
  BOOST_TEST((out[1].status == StoreStatus::duplicate_key));
  BOOST_TEST((store.load(user, twin.id).status == StoreStatus::not_found));
  BOOST_TEST((store.load(user, other.id).status == StoreStatus::not_found));
  BOOST_TEST(store.lookup_key(user, "k", now).record->fingerprint == "fp-1");
  BOOST_TEST(store.lookup_key(user, "k2", now).record->fingerprint == "fp-3");
  DbPeek peek(url);
  BOOST_TEST(peek.outbox(user).size() == 2u);
  BOOST_TEST(peek.count("SELECT task_count FROM users WHERE user_id = '" + user + "'") == 2);
}

BOOST_AUTO_TEST_CASE(a_refused_change_does_not_keep_its_key) {
  const std::string user = unique_user("keys");
  auto url = Environment::get().fresh_db_url("keys_refused");
  Store store(parse_db_url(url));
  const millis now = now_millis();
  Task t = make_task(user, "t");
  BOOST_REQUIRE((store.commit({insert(t)})[0].status == StoreStatus::ok));
  auto record = key_record(user, "k", "fp", now, now + 60'000);
  BOOST_TEST((store.commit({with_key(update(t, 5), record)})[0].status == StoreStatus::conflict));
  BOOST_TEST(
      (store.commit({with_key(update(make_task(user, "ghost"), 1), record)})[0].status == StoreStatus::not_found));
  BOOST_TEST((store.lookup_key(user, "k", now).status == StoreStatus::not_found));
  BOOST_TEST(keys_of(url, user) == 0);
  // So the retry that does apply can still take the key.
  BOOST_TEST((store.commit({with_key(update(t, 1), record)})[0].status == StoreStatus::ok));
  BOOST_TEST((store.lookup_key(user, "k", now).status == StoreStatus::ok));
}

BOOST_AUTO_TEST_CASE(an_expired_key_is_forgotten_and_can_be_used_again) {
  const std::string user = unique_user("keys");
  auto url = Environment::get().fresh_db_url("keys_expired");
  Store store(parse_db_url(url));
  const millis t0 = now_millis();
  auto old = key_record(user, "k", "old", t0, t0 + 1000);
  BOOST_REQUIRE(
      (store.write({{with_key(insert(make_task(user, "a")), old)}, {}}, t0).commits[0].status == StoreStatus::ok));
  BOOST_TEST((store.lookup_key(user, "k", t0 + 1000).status == StoreStatus::ok));  // the last moment it lives
  BOOST_TEST((store.lookup_key(user, "k", t0 + 1001).status == StoreStatus::not_found));
  // Still live at the write's time: a duplicate. Expired: taken over by the new request.
  auto fresh = key_record(user, "k", "new", t0 + 2000, t0 + 60'000);
  BOOST_TEST((store.write({{with_key(insert(make_task(user, "b")), fresh)}, {}}, t0 + 500).commits[0].status ==
              StoreStatus::duplicate_key));
  BOOST_TEST((store.write({{with_key(insert(make_task(user, "c")), fresh)}, {}}, t0 + 2000).commits[0].status ==
              StoreStatus::ok));
  auto found = store.lookup_key(user, "k", t0 + 2000);
  BOOST_REQUIRE(found.record.has_value());
  BOOST_TEST(found.record->fingerprint == "new");
  BOOST_TEST(keys_of(url, user) == 1);
}

BOOST_AUTO_TEST_CASE(purge_deletes_expired_keys_up_to_the_limit) {
  const std::string user = unique_user("keys");
  auto url = Environment::get().fresh_db_url("keys_purge");
  Store store(parse_db_url(url));
  const millis t0 = now_millis();
  std::vector<Commit> batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(
        with_key(insert(make_task(user, "t")), key_record(user, "old" + std::to_string(i), "f", t0, t0 + 10 + i)));
  for (int i = 0; i < 2; ++i)
    batch.push_back(
        with_key(insert(make_task(user, "t")), key_record(user, "live" + std::to_string(i), "f", t0, t0 + 60'000)));
  for (const auto& o : store.write({batch, {}}, t0).commits) BOOST_REQUIRE((o.status == StoreStatus::ok));
  const millis later = t0 + 1000;
  BOOST_TEST(store.purge_keys(later, 3) == 3);
  BOOST_TEST(keys_of(url, user) == 4);
  // Oldest first: the ones left to purge are the latest to expire.
  BOOST_TEST((store.lookup_key(user, "old4", t0).status == StoreStatus::ok));
  BOOST_TEST((store.lookup_key(user, "old0", t0).status == StoreStatus::not_found));
  BOOST_TEST(store.purge_keys(later, 100) == 2);
  BOOST_TEST(store.purge_keys(later, 100) == 0);
  BOOST_TEST(keys_of(url, user) == 2);
  BOOST_TEST((store.lookup_key(user, "live0", later).status == StoreStatus::ok));
}

BOOST_AUTO_TEST_CASE(a_lookup_that_fails_says_unavailable) {
  auto url = Environment::get().fresh_db_url("keys_broken");
  Store store(parse_db_url(url));
  DbPeek(url).exec("DROP TABLE idempotency_keys");
  auto out = store.lookup_key("u", "k", now_millis());
  BOOST_TEST((out.status == StoreStatus::unavailable));
  BOOST_TEST(!out.error.empty());
  BOOST_TEST(!out.record.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
