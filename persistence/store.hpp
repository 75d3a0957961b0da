#pragma once

// The SOCI store: tasks and their outbox rows in SQLite or PostgreSQL. Plain blocking code with
// no actors, so it is tested on its own; the persistence actor owns one.

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/commit.hpp"
#include "core/lease_plan.hpp"
#include "core/outbox.hpp"
#include "core/task.hpp"
#include "persistence/db_url.hpp"

namespace soci {
class session;
}

namespace tasks {

struct StoreOptions {
  std::string sqlite_synchronous = "full";
  std::int64_t max_tasks_per_user = 10'000;  // an insert past it is quota_exceeded
  // The time limit of a transaction that carries no commit with a deadline (delivery results
  // only), and of lock waits outside transactions.
  std::chrono::milliseconds default_budget{5'000};
  // Replicas (docs/replicas.md). `owner` is this process's owner token, unique per start: the
  // publishers' fetches then take only the lanes of buckets it leases, and settles apply only
  // while it still holds them (fencing). Empty: no leases (the store alone, in tests).
  std::string owner;
  // The bucket count a new database is set up with; an existing one keeps the count it has.
  std::int32_t buckets = 256;
  // A fetch takes only buckets whose lease holds at least this much longer.
  std::chrono::milliseconds lease_margin{1'000};
};

// The database cannot be reached or set up at start-up.
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the persistence actor writes in one transaction: the user actors' commits and the
// publishers' delivery results that were waiting together (group commit for both).
struct WriteBatch {
  std::vector<Commit> commits;
  std::vector<DeliveryReport> settles;
};

struct WriteOutcome {
  std::vector<CommitOutcome> commits;
  std::vector<bool> settles;  // true: applied
};

class Store {
 public:
  // Connects and applies migrations. Throws StoreError.
  Store(DbTarget target, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Dialect dialect() const { return target_.dialect; }
  const DbTarget& target() const { return target_; }
  const StoreOptions& options() const { return options_; }

  // Writes a batch of commits in ONE transaction. Each commit gets its own outcome: one whose
  // task moved on (conflict) or vanished (not_found) writes nothing and does not disturb the
  // others; a database failure fails the whole batch and writes nothing at all.
  std::vector<CommitOutcome> commit(const std::vector<Commit>& batch);

  // Commits and delivery results in ONE transaction, each with its own outcome (the same rules).
  // Deadlines: a commit whose deadline has passed is `expired` and never started; the
  // transaction's lock waits and statements are bounded by the earliest deadline in it. When
  // that bound is hit the transaction is rolled back, the commits whose deadline has passed are
  // `expired`, and the others are written again, so a stalled database answers every commit by
  // its deadline with nothing written. An Idempotency-Key is written first: one already
  // recorded makes its commit `duplicate_key`; an insert past the user's quota is
  // `quota_exceeded`; neither writes anything nor disturbs the others. `on_expired` hears of each
  // commit decided `expired` as soon as it is (a stalled batch can run until its last deadline).
  using ExpiredCallback = std::function<void(size_t index, const CommitOutcome& outcome)>;
  WriteOutcome write(const WriteBatch& batch, millis now, const ExpiredCallback& on_expired = {});

  LoadOutcome load(const std::string& user_id, const std::string& task_id);
  // A page by offset, or the keyset page after `query.after` (a position from a previous page's
  // `next_after`). Both in creation order.
  ListOutcome list(const std::string& user_id, const ListQuery& query);

  // The answer recorded for (user, key) that has not expired at `now`.
  KeyOutcome lookup_key(const std::string& user_id, const std::string& key, millis now);
  // Forgets up to `limit` Idempotency-Keys expired at `now`; returns how many.
  std::int64_t purge_keys(millis now, std::int64_t limit);

  // --- the outbox, for the publishers -----------------------------------------------------------

  // The rows of `topic` that may be sent at `now`: up to `rows_per_lane` first rows (id order)
  // of up to `max_lanes` lanes that neither back off nor wait behind a dead letter, the lanes
  // with the oldest first row first. Reads lanes, then each lane's rows through an index: the
  // cost does not grow with the rows waiting in lanes that back off or are blocked.
  OutboxFetch fetch_due(const std::string& topic, millis now, std::int64_t max_lanes, std::int64_t rows_per_lane);

  // Applies a round's results in one transaction. Returns false (and changes nothing) on failure.
  bool settle(const DeliveryReport& report, millis now);

  // --- the outbox, for operators ----------------------------------------------------------------
  // The views read lanes and indexes only: the same cost at any number of pending rows.

  std::vector<OutboxBacklog> backlog(millis now);
  // Oldest first; rows of a blocked lane name the dead letter they wait behind.
  std::vector<OutboxRow> pending(const std::string& topic, std::int64_t limit);
  std::vector<DeadLetter> dead_letters(const std::string& topic, std::int64_t limit);
  std::vector<BlockedLane> blocked_lanes(const std::string& topic, std::int64_t limit);
  std::vector<DiscardedEvent> discarded(const std::string& topic, std::int64_t limit);  // newest first

  // Moves dead letters back into the outbox with their ids, so that each goes first in its lane
  // (its commit place), and lets their lanes go on. `event_id` empty means all of `topic` (or
  // all topics when `topic` is empty too). Returns how many.
  std::int64_t redrive(const std::string& topic, const std::string& event_id);
  // Gives the dead letter `event_id` up: recorded in discarded_events (by, note, time), its lane
  // goes on. False when there is no such dead letter.
  bool discard(const std::string& event_id, const std::string& by, const std::string& note, millis now);
  // Discards dead letters older than `retention` (by "retention") and forgets discard records
  // older than it, at most `limit` of each. Returns how many dead letters were discarded.
  std::int64_t purge_dead_letters(millis now, std::chrono::milliseconds retention, std::int64_t limit);

  // --- leases and shared controls, for the lease keeper and operators (store_leases.cpp) --------

  // The bucket count this database was set up with.
  std::int32_t bucket_count() const { return bucket_count_; }
  // Settle entries refused so far because their bucket's lease had moved on.
  std::uint64_t fenced_entries() const;
  // One renewal: records `me` (renewed now), extends the leases it holds (not released) to
  // now + `lease`, forgets replicas gone for an hour, and reads the whole table back.
  LeaseTable renew_leases(const ReplicaRecord& me, std::chrono::milliseconds lease);
  // Carries out a plan: claims (compare and set on the epoch, and only when still claimable by
  // the database's clock) and releases. Returns the buckets claimed.
  std::vector<std::int32_t> apply_leases(const LeasePlan& plan, const ReplicaRecord& me, const LeaseSettings& settings);
  // Shutdown, after the publishers stopped: every lease of `owner` is given up for others to
  // take at once, and the replica is marked stopped.
  // `clean`: its publishers drained and stopped, nothing in flight; otherwise the leases end
  // now and others wait the grace as after a crash.
  void release_all_leases(const std::string& owner, bool clean);
  LeaseTable read_leases();
  // Pause/resume for the whole service, whichever replica is asked.
  void set_paused(const std::string& topic, bool paused, const std::string& by, millis now);

  // Drops the connection; the next call opens a fresh one (after a crash mid-transaction).
  void reconnect();

  // True when a trivial query succeeds (reconnecting first if the last call failed).
  bool ping();

  // The last database error, for status reports.
  const std::string& last_error() const { return last_error_; }

 private:
  struct Connection;
  void ensure_connected();
  soci::session& session();  // connected first
  void disconnect(const std::string& why);
  // Runs `body` in a write transaction with the default time budget (operators' actions).
  void in_transaction(const std::function<void(soci::session&)>& body);

  DbTarget target_;
  StoreOptions options_;
  std::unique_ptr<Connection> conn_;
  // The publishers' fetch, prepared on conn_'s session (store_outbox.cpp). Declared after conn_
  // so that it goes first; dropped with every connection.
  struct FetchStatements;
  struct FetchStatementsDeleter {
    void operator()(FetchStatements* f) const;
  };
  std::unique_ptr<FetchStatements, FetchStatementsDeleter> fetch_;
  std::string last_error_;
  double seconds_per_commit_ = 0;
  std::int32_t bucket_count_ = 0;
  std::uint64_t fenced_before_ = 0;  // fenced settle entries of connections since dropped
  // Reads (or, on a new database, records) the bucket count, creates the lease rows and stamps
  // lanes that have no bucket yet. Writes only when something is missing.
  std::int32_t set_up_buckets(soci::session& sql);  // what a commit has lately cost in a written transaction
};

}  // namespace tasks
