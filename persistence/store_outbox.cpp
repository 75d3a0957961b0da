// The store's outbox side: what the publishers fetch, and what operators see and do. Every read
// goes through the lanes table or an index, so its cost does not grow with the backlog.

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <map>

#include "core/time.hpp"
#include "persistence/statements.hpp"
#include "persistence/store.hpp"

namespace tasks {

using detail::event_columns;
using detail::prepared;
using detail::StoredEventRow;

namespace {

// Reads through `read`; a failure drops the connection (the next call opens a fresh one).
template <class F>
auto guarded_read(F&& read, const std::function<void(const std::string&)>& disconnect) {
  try {
    return read();
  } catch (const std::exception& e) {
    disconnect(e.what());
    throw;
  }
}

}  // namespace

// The publishers' fetch statements, prepared once per connection (preparing its three
// statements on every round cost more than running them) with the buffers they are bound to.
struct Store::FetchStatements {
  soci::session* on = nullptr;
  std::string topic, user, owner;
  long long at = 0, lanes_limit = 0, rows_limit = 0, failures = 0, first_failed_at = 0, epoch = 0, left = 0, margin = 0;
  int paused = 0, bucket = 0;
  StoredEventRow row;
  soci::statement paused_flag, due_lanes, lane_rows;

  FetchStatements(soci::session& sql, Dialect dialect, bool leased)
      : on(&sql),
        paused_flag(prepared(sql, "SELECT paused FROM topic_controls WHERE topic = :topic",
                             [&](soci::statement& s) {
                               s.exchange(soci::into(paused));
                               s.exchange(soci::use(topic));
                             })),
        due_lanes(leased ? leased_lanes(sql, dialect) : all_lanes(sql)),
        lane_rows(prepared(sql,
                           std::string("SELECT ") + event_columns +
                               ", last_error, next_attempt_at, first_failed_at FROM outbox WHERE topic = "
                               ":topic AND partition_key = :user ORDER BY id LIMIT :limit",
                           [&](soci::statement& s) {
                             row.bind_into(s);
                             s.exchange(soci::into(first_failed_at));
                             s.exchange(soci::use(topic));
                             s.exchange(soci::use(user));
                             s.exchange(soci::use(rows_limit));
                           })) {}

  soci::statement all_lanes(soci::session& sql) {
    return prepared(sql,
                    "SELECT partition_key, failures FROM outbox_lanes WHERE topic = :topic AND "
                    "pending > 0 AND blocked_by = 0 AND next_attempt_at <= :now ORDER BY head_at "
                    "LIMIT :limit",
                    [&](soci::statement& s) {
                      s.exchange(soci::into(user));
                      s.exchange(soci::into(failures));
                      s.exchange(soci::use(topic));
                      s.exchange(soci::use(at));
                      s.exchange(soci::use(lanes_limit));
                    });
  }

  // Only the lanes of buckets this replica leases, with a lease that outlasts the round; the
  // epoch goes with the rows for the settle's fencing check.
  soci::statement leased_lanes(soci::session& sql, Dialect dialect) {
    const std::string now_ms = detail::db_now_sql(dialect);
    return prepared(sql,
                    "SELECT l.partition_key, l.failures, l.bucket, b.epoch, b.expires_at - " + now_ms +
                        " FROM outbox_lanes l JOIN lease_buckets b ON b.bucket = l.bucket WHERE l.topic = :topic AND "
                        "l.pending > 0 AND l.blocked_by = 0 AND l.next_attempt_at <= :now AND b.owner = :owner AND "
                        "b.released = 0 AND b.expires_at > " +
                        now_ms + " + :margin ORDER BY l.head_at LIMIT :limit",
                    [&](soci::statement& s) {
                      s.exchange(soci::into(user));
                      s.exchange(soci::into(failures));
                      s.exchange(soci::into(bucket));
                      s.exchange(soci::into(epoch));
                      s.exchange(soci::into(left));
                      s.exchange(soci::use(topic));
                      s.exchange(soci::use(at));
                      s.exchange(soci::use(owner));
                      s.exchange(soci::use(margin));
                      s.exchange(soci::use(lanes_limit));
                    });
  }
};

void Store::FetchStatementsDeleter::operator()(FetchStatements* f) const {
  delete f;
}

OutboxFetch Store::fetch_due(const std::string& topic_name, millis now, std::int64_t max_lanes,
                             std::int64_t rows_per_lane) {
  try {
    auto& sql = session();
    const bool leased = !options_.owner.empty();
    if (!fetch_ || fetch_->on != &sql) fetch_.reset(new FetchStatements(sql, target_.dialect, leased));
    auto& f = *fetch_;
    // SQLite: a statement that has returned a row and was not reset keeps its connection's read
    // transaction open, and a reader that never ends its snapshot keeps the WAL from ever being
    // reset (it would grow for as long as the service runs). Every exit resets all three.
    struct Release {
      FetchStatements& f;
      bool sqlite;
      ~Release() {
        if (!sqlite) return;
        for (auto* st : {&f.paused_flag, &f.due_lanes, &f.lane_rows})
          sqlite_api::sqlite3_reset(static_cast<soci::sqlite3_statement_backend*>(st->get_backend())->stmt_);
      }
    } release{f, target_.dialect == Dialect::sqlite};
    f.topic = topic_name;
    f.at = now;
    f.lanes_limit = max_lanes;
    f.rows_limit = rows_per_lane;
    f.owner = options_.owner;
    f.margin = options_.lease_margin.count();
    OutboxFetch out;
    // Paused for the whole service, by whichever replica an operator asked.
    f.paused = 0;
    f.paused_flag.execute(true);
    if (f.paused_flag.got_data() && f.paused != 0) {
      out.paused = true;
      return out;
    }
    struct LaneRef {
      std::string user;
      long long failures = 0;
      int bucket = -1;
      long long epoch = 0;
    };
    std::vector<LaneRef> lanes;
    f.due_lanes.execute();
    while (f.due_lanes.fetch()) {
      if (!leased) {
        lanes.push_back({f.user, f.failures});
        continue;
      }
      lanes.push_back({f.user, f.failures, f.bucket, f.epoch});
      out.lease_ms = out.lease_ms == 0 ? f.left : std::min<std::int64_t>(out.lease_ms, f.left);
    }
    for (const auto& lane : lanes) {
      f.user = lane.user;
      f.lane_rows.execute();
      const size_t before = out.rows.size();
      while (f.lane_rows.fetch()) {
        OutboxRow r = f.row.outbox_row();
        r.first_failed_at = f.first_failed_at;
        r.lane_failures = lane.failures;
        r.bucket = lane.bucket;
        r.epoch = lane.epoch;
        out.rows.push_back(std::move(r));
      }
      if (out.rows.size() == before) out.empty_lanes.push_back(lane.user);
    }
    return out;
  } catch (const std::exception& e) {
    disconnect(e.what());
    return OutboxFetch{false, {}, e.what(), {}};
  }
}

std::vector<OutboxBacklog> Store::backlog(millis now) {
  return guarded_read(
      [&] {
        auto& sql = session();
        std::map<std::string, OutboxBacklog> by_topic;
        {
          std::string topic;
          long long pending = 0, lanes = 0, backing_off = 0, blocked = 0, at = now;
          soci::statement st = prepared(sql,
                                        "SELECT topic, SUM(pending), SUM(CASE WHEN pending > 0 THEN 1 ELSE 0 END), "
                                        "SUM(CASE WHEN pending > 0 AND next_attempt_at > :now THEN 1 ELSE 0 END), "
                                        "SUM(CASE WHEN blocked_by > 0 THEN 1 ELSE 0 END) FROM outbox_lanes GROUP BY "
                                        "topic",
                                        [&](soci::statement& s) {
                                          s.exchange(soci::into(topic));
                                          s.exchange(soci::into(pending));
                                          s.exchange(soci::into(lanes));
                                          s.exchange(soci::into(backing_off));
                                          s.exchange(soci::into(blocked));
                                          s.exchange(soci::use(at));
                                        });
          st.execute();
          while (st.fetch()) {
            auto& b = by_topic[topic];
            b.topic = topic;
            b.pending = pending;
            b.lanes = lanes;
            b.lanes_backing_off = backing_off;
            b.lanes_blocked = blocked;
          }
        }
        {
          std::string topic;
          long long count = 0, oldest = 0;
          soci::statement st = prepared(sql, "SELECT topic, COUNT(*), MIN(dead_at) FROM dead_letters GROUP BY topic",
                                        [&](soci::statement& s) {
                                          s.exchange(soci::into(topic));
                                          s.exchange(soci::into(count));
                                          s.exchange(soci::into(oldest));
                                        });
          st.execute();
          while (st.fetch()) {
            auto& b = by_topic[topic];
            b.topic = topic;
            b.dead_letters = count;
            b.oldest_dead_at = oldest;
          }
        }
        // The oldest pending row of a topic: the first of its index on (topic, id).
        std::string topic;
        long long created_at = 0;
        soci::statement oldest = prepared(sql, "SELECT created_at FROM outbox WHERE topic = :topic ORDER BY id LIMIT 1",
                                          [&](soci::statement& s) {
                                            s.exchange(soci::into(created_at));
                                            s.exchange(soci::use(topic));
                                          });
        std::vector<OutboxBacklog> out;
        for (auto& [name, b] : by_topic) {
          topic = name;
          oldest.execute(true);
          b.oldest_created_at = oldest.got_data() ? created_at : 0;
          if (oldest.got_data()) oldest.fetch();  // finished: no read snapshot kept open
          out.push_back(b);
        }
        return out;
      },
      [&](const std::string& why) { disconnect(why); });
}

std::vector<OutboxRow> Store::pending(const std::string& topic_name, std::int64_t limit) {
  return guarded_read(
      [&] {
        StoredEventRow row;
        std::string topic = topic_name, waiting_behind;
        soci::indicator waiting_ind = soci::i_null;
        long long lim = limit, first_failed_at = 0, lane_failures = 0;
        soci::indicator failures_ind = soci::i_null;
        soci::statement st = prepared(
            session(),
            "SELECT o.id, o.topic, o.event_id, o.event_type, o.partition_key, o.task_id, o.correlation_id, "
            "o.traceparent, o.payload, o.created_at, o.attempts, o.last_error, o.next_attempt_at, o.first_failed_at, "
            "l.failures, d.event_id FROM outbox o LEFT JOIN outbox_lanes l ON l.topic = o.topic AND l.partition_key = "
            "o.partition_key LEFT JOIN dead_letters d ON l.blocked_by > 0 AND d.id = l.blocked_by WHERE o.topic = "
            ":topic ORDER BY o.id LIMIT :limit",
            [&](soci::statement& s) {
              row.bind_into(s);
              s.exchange(soci::into(first_failed_at));
              s.exchange(soci::into(lane_failures, failures_ind));
              s.exchange(soci::into(waiting_behind, waiting_ind));
              s.exchange(soci::use(topic));
              s.exchange(soci::use(lim));
            });
        std::vector<OutboxRow> out;
        st.execute();
        while (st.fetch()) {
          OutboxRow r = row.outbox_row();
          r.first_failed_at = first_failed_at;
          r.lane_failures = failures_ind == soci::i_ok ? lane_failures : 0;
          if (waiting_ind == soci::i_ok) r.waiting_behind = waiting_behind;
          out.push_back(std::move(r));
        }
        return out;
      },
      [&](const std::string& why) { disconnect(why); });
}

std::vector<DeadLetter> Store::dead_letters(const std::string& topic_name, std::int64_t limit) {
  return guarded_read(
      [&] {
        StoredEventRow row;
        std::string topic = topic_name;
        long long lim = limit;
        const bool all = topic.empty();
        soci::statement st = prepared(session(),
                                      std::string("SELECT ") + event_columns + ", reason, dead_at FROM dead_letters" +
                                          (all ? "" : " WHERE topic = :topic") + " ORDER BY id LIMIT :limit",
                                      [&](soci::statement& s) {
                                        row.bind_into(s);
                                        if (!all) s.exchange(soci::use(topic));
                                        s.exchange(soci::use(lim));
                                      });
        std::vector<DeadLetter> out;
        st.execute();
        while (st.fetch()) out.push_back(DeadLetter{row.id, row.event(), row.attempts, row.text, row.extra_time});
        return out;
      },
      [&](const std::string& why) { disconnect(why); });
}

std::vector<BlockedLane> Store::blocked_lanes(const std::string& topic_name, std::int64_t limit) {
  return guarded_read(
      [&] {
        BlockedLane b;
        std::string topic = topic_name;
        long long lim = limit, id = 0, since = 0, waiting = 0;
        soci::indicator event_ind = soci::i_null, type_ind = soci::i_null, task_ind = soci::i_null;
        const bool all = topic.empty();
        soci::statement st = prepared(
            session(),
            std::string("SELECT l.topic, l.partition_key, l.blocked_by, l.blocked_since, l.blocked_reason, l.pending, "
                        "d.event_id, d.event_type, d.task_id FROM outbox_lanes l LEFT JOIN dead_letters d ON d.id = "
                        "l.blocked_by WHERE l.blocked_by > 0") +
                (all ? "" : " AND l.topic = :topic") +
                " ORDER BY l.blocked_since, l.topic, l.partition_key LIMIT :limit",
            [&](soci::statement& s) {
              s.exchange(soci::into(b.topic));
              s.exchange(soci::into(b.user_id));
              s.exchange(soci::into(id));
              s.exchange(soci::into(since));
              s.exchange(soci::into(b.reason));
              s.exchange(soci::into(waiting));
              s.exchange(soci::into(b.event_id, event_ind));
              s.exchange(soci::into(b.event_type, type_ind));
              s.exchange(soci::into(b.task_id, task_ind));
              if (!all) s.exchange(soci::use(topic));
              s.exchange(soci::use(lim));
            });
        std::vector<BlockedLane> out;
        st.execute();
        while (st.fetch()) {
          BlockedLane lane = b;
          lane.dead_letter_id = id;
          lane.since = since;
          lane.waiting = waiting;
          if (event_ind != soci::i_ok) lane.event_id.clear();
          if (type_ind != soci::i_ok) lane.event_type.clear();
          if (task_ind != soci::i_ok) lane.task_id.clear();
          out.push_back(std::move(lane));
        }
        return out;
      },
      [&](const std::string& why) { disconnect(why); });
}

std::vector<DiscardedEvent> Store::discarded(const std::string& topic_name, std::int64_t limit) {
  return guarded_read(
      [&] {
        DiscardedEvent d;
        std::string topic = topic_name;
        long long lim = limit, id = 0, created_at = 0, attempts = 0, dead_at = 0, discarded_at = 0;
        const bool all = topic.empty();
        soci::statement st = prepared(
            session(),
            std::string("SELECT id, topic, event_id, event_type, partition_key, task_id, correlation_id, created_at, "
                        "attempts, dead_reason, dead_at, discarded_at, discarded_by, note FROM discarded_events") +
                (all ? "" : " WHERE topic = :topic") + " ORDER BY discarded_at DESC, id DESC LIMIT :limit",
            [&](soci::statement& s) {
              s.exchange(soci::into(id));
              s.exchange(soci::into(d.event.topic));
              s.exchange(soci::into(d.event.event_id));
              s.exchange(soci::into(d.event.event_type));
              s.exchange(soci::into(d.event.partition_key));
              s.exchange(soci::into(d.event.task_id));
              s.exchange(soci::into(d.event.correlation_id));
              s.exchange(soci::into(created_at));
              s.exchange(soci::into(attempts));
              s.exchange(soci::into(d.dead_reason));
              s.exchange(soci::into(dead_at));
              s.exchange(soci::into(discarded_at));
              s.exchange(soci::into(d.discarded_by));
              s.exchange(soci::into(d.note));
              if (!all) s.exchange(soci::use(topic));
              s.exchange(soci::use(lim));
            });
        std::vector<DiscardedEvent> out;
        st.execute();
        while (st.fetch()) {
          DiscardedEvent e = d;
          e.id = id;
          e.event.created_at = created_at;
          e.attempts = attempts;
          e.dead_at = dead_at;
          e.discarded_at = discarded_at;
          out.push_back(std::move(e));
        }
        return out;
      },
      [&](const std::string& why) { disconnect(why); });
}

namespace {

// A dead letter's key facts, read before it moves.
struct DeadKey {
  long long id = 0;
  std::string topic, user, event_id;
  long long created_at = 0;
};

std::vector<DeadKey> dead_keys(soci::session& sql, const std::string& topic_name, const std::string& event_id_value,
                               long long older_than, long long limit) {
  std::string topic = topic_name, event_id = event_id_value;
  std::string where = " WHERE 1 = 1";
  if (!topic.empty()) where += " AND topic = :topic";
  if (!event_id.empty()) where += " AND event_id = :event_id";
  if (older_than > 0) where += " AND dead_at < :older_than";
  DeadKey k;
  soci::statement st = prepared(
      sql,
      "SELECT id, topic, partition_key, event_id, created_at FROM dead_letters" + where + " ORDER BY id LIMIT :lim",
      [&](soci::statement& s) {
        s.exchange(soci::into(k.id));
        s.exchange(soci::into(k.topic));
        s.exchange(soci::into(k.user));
        s.exchange(soci::into(k.event_id));
        s.exchange(soci::into(k.created_at));
        if (!topic.empty()) s.exchange(soci::use(topic));
        if (!event_id.empty()) s.exchange(soci::use(event_id));
        if (older_than > 0) s.exchange(soci::use(older_than));
        s.exchange(soci::use(limit));
      });
  std::vector<DeadKey> out;
  st.execute();
  while (st.fetch()) out.push_back(k);
  return out;
}

// The lane no longer waits behind dead letter `id` (when that is what it waited behind), and is
// forgotten when nothing else keeps it.
void unblock_lane(soci::session& sql, const DeadKey& k) {
  std::string topic = k.topic, user = k.user;
  long long id = k.id;
  sql << "UPDATE outbox_lanes SET blocked_by = 0, blocked_since = 0, blocked_reason = '', next_attempt_at = 0, "
         "failures = 0 WHERE topic = :t AND partition_key = :u AND blocked_by = :id",
      soci::use(topic), soci::use(user), soci::use(id);
  sql << "DELETE FROM outbox_lanes WHERE topic = :t AND partition_key = :u AND pending <= 0 AND blocked_by = 0",
      soci::use(topic), soci::use(user);
}

// Moves one dead letter to the discard record.
void discard_one(soci::session& sql, const DeadKey& k, const std::string& by_value, const std::string& note_value,
                 long long now) {
  std::string by = by_value.substr(0, 200), note = note_value.substr(0, 1000);
  long long id = k.id, at = now;
  sql << "INSERT INTO discarded_events (id, topic, event_id, event_type, partition_key, task_id, correlation_id, "
         "created_at, attempts, dead_reason, dead_at, discarded_at, discarded_by, note) SELECT id, topic, event_id, "
         "event_type, partition_key, task_id, correlation_id, created_at, attempts, reason, dead_at, :now, :by, :note "
         "FROM dead_letters WHERE id = :id",
      soci::use(at), soci::use(by), soci::use(note), soci::use(id);
  sql << "DELETE FROM dead_letters WHERE id = :id", soci::use(id);
  unblock_lane(sql, k);
}

}  // namespace

std::int64_t Store::redrive(const std::string& topic, const std::string& event_id) {
  std::int64_t moved = 0;
  in_transaction([&](soci::session& sql) {
    for (const auto& k : dead_keys(sql, topic, event_id, 0, 1'000'000)) {
      long long id = k.id, created_at = k.created_at;
      std::string t = k.topic, u = k.user;
      // Back with its old id (so first in its lane: every later event of the user has a larger
      // one), its creation time, and a fresh failure clock. The CloudEvent itself is unchanged.
      sql << "INSERT INTO outbox (id, topic, event_id, event_type, partition_key, task_id, correlation_id, "
             "traceparent, payload, created_at, attempts, last_error, next_attempt_at, first_failed_at) SELECT id, "
             "topic, event_id, event_type, partition_key, task_id, correlation_id, traceparent, payload, created_at, "
             "0, '', 0, 0 FROM dead_letters WHERE id = :id",
          soci::use(id);
      sql << "DELETE FROM dead_letters WHERE id = :id", soci::use(id);
      sql << "INSERT INTO outbox_lanes (topic, partition_key, pending, head_at) VALUES (:t, :u, 1, :at) ON CONFLICT "
             "(topic, partition_key) DO UPDATE SET pending = outbox_lanes.pending + 1, head_at = CASE WHEN "
             "outbox_lanes.pending <= 0 OR excluded.head_at < outbox_lanes.head_at THEN excluded.head_at ELSE "
             "outbox_lanes.head_at END",
          soci::use(t), soci::use(u), soci::use(created_at);
      unblock_lane(sql, k);
      ++moved;
    }
  });
  return moved;
}

bool Store::discard(const std::string& event_id, const std::string& by, const std::string& note, millis now) {
  bool found = false;
  in_transaction([&](soci::session& sql) {
    for (const auto& k : dead_keys(sql, "", event_id, 0, 1)) {
      discard_one(sql, k, by, note, now);
      found = true;
    }
  });
  return found;
}

std::int64_t Store::purge_dead_letters(millis now, std::chrono::milliseconds retention, std::int64_t limit) {
  if (retention.count() <= 0) return 0;
  std::int64_t discarded_count = 0;
  in_transaction([&](soci::session& sql) {
    const long long older_than = now - retention.count();
    for (const auto& k : dead_keys(sql, "", "", older_than, limit)) {
      discard_one(sql, k, "retention", "dead-lettered longer than TASKS_DEAD_LETTER_RETENTION", now);
      ++discarded_count;
    }
    long long lim = limit;
    sql << "DELETE FROM discarded_events WHERE id IN (SELECT id FROM discarded_events WHERE discarded_at < :t "
           "ORDER BY discarded_at LIMIT :lim)",
        soci::use(older_than), soci::use(lim);
  });
  return discarded_count;
}

}  // namespace tasks
