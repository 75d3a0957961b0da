// The store's side of sharing publishing between replicas (docs/replicas.md): the bucket count
// fixed at first start, the lease table the lease keeper renews and claims in, the replicas'
// records for operators, and the pause flags every replica obeys. Lease times are always the
// database's clock (detail::db_now_sql), never a replica's.

#include <soci/soci.h>

#include <algorithm>

#include "core/buckets.hpp"
#include "persistence/migrations.hpp"
#include "persistence/statements.hpp"
#include "persistence/store.hpp"

namespace tasks {

using detail::db_now_sql;

namespace {

constexpr long long forget_replicas_after_ms = 3'600'000;

long long db_now(soci::session& sql, Dialect dialect) {
  long long now = 0;
  sql << std::string("SELECT ") + db_now_sql(dialect), soci::into(now);
  return now;
}

long long stored_bucket_count(soci::session& sql) {
  std::string value;
  soci::indicator ind = soci::i_null;
  sql << "SELECT value FROM cluster_settings WHERE name = 'bucket_count'", soci::into(value, ind);
  return sql.got_data() && ind == soci::i_ok ? std::stoll(value) : 0;
}

void read_table(soci::session& sql, LeaseTable& out) {
  {
    ReplicaRecord r;
    long long pid = 0, started = 0, renewed = 0, stopped = 0;
    soci::statement st = (sql.prepare << "SELECT owner, replica_id, host, pid, started_at, renewed_at, stopped_at, "
                                         "counters FROM replicas ORDER BY replica_id, started_at",
                          soci::into(r.owner), soci::into(r.replica_id), soci::into(r.host), soci::into(pid),
                          soci::into(started), soci::into(renewed), soci::into(stopped), soci::into(r.counters));
    st.execute();
    while (st.fetch()) {
      r.pid = pid;
      r.started_at = started;
      r.renewed_at = renewed;
      r.stopped_at = stopped;
      out.replicas.push_back(r);
    }
  }
  BucketLease b;
  int bucket = 0, released = 0;
  long long epoch = 0, expires = 0;
  soci::statement st = (sql.prepare << "SELECT bucket, owner, replica_id, epoch, expires_at, released FROM "
                                       "lease_buckets ORDER BY bucket",
                        soci::into(bucket), soci::into(b.owner), soci::into(b.replica_id), soci::into(epoch),
                        soci::into(expires), soci::into(released));
  st.execute();
  while (st.fetch()) {
    b.bucket = bucket;
    b.epoch = epoch;
    b.expires_at = expires;
    b.released = released != 0;
    out.buckets.push_back(b);
  }
}

// The owner's leases, locked in bucket order (PostgreSQL), as an IN list for an UPDATE.
std::string owned_rows(Dialect dialect, const std::string& extra) {
  return std::string("bucket IN (SELECT bucket FROM lease_buckets WHERE owner = :owner") + extra + " ORDER BY bucket" +
         (dialect == Dialect::postgresql ? " FOR UPDATE" : "") + ")";
}

}  // namespace

std::int32_t Store::set_up_buckets(soci::session& sql) {
  const auto dialect = target_.dialect;
  long long count = stored_bucket_count(sql);
  const long long wanted = options_.buckets;
  if (count == 0) {
    under_schema_lock(sql, dialect, [&] {
      std::string value = std::to_string(wanted > 0 ? wanted : 256);
      sql << "INSERT INTO cluster_settings (name, value) VALUES ('bucket_count', :v) ON CONFLICT (name) DO NOTHING",
          soci::use(value);
    });
    count = stored_bucket_count(sql);
  }
  if (wanted > 0 && wanted != count)
    throw StoreError("TASKS_LEASE_BUCKETS is " + std::to_string(wanted) + " but this database was set up with " +
                     std::to_string(count) + " buckets; the count is fixed at first start: set it to " +
                     std::to_string(count) + " or leave it unset");
  long long rows = 0;
  sql << "SELECT COUNT(*) FROM lease_buckets", soci::into(rows);
  if (rows < count) {
    under_schema_lock(sql, dialect, [&] {
      const std::string last = std::to_string(count - 1);
      if (dialect == Dialect::postgresql)
        sql << "INSERT INTO lease_buckets (bucket) SELECT generate_series(0, " + last + ") ON CONFLICT DO NOTHING";
      else
        sql << "WITH RECURSIVE b(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM b WHERE x < " + last +
                   ") INSERT INTO lease_buckets (bucket) SELECT x FROM b WHERE true ON CONFLICT DO NOTHING";
    });
  }
  long long unstamped = 0;
  sql << "SELECT COUNT(*) FROM outbox_lanes WHERE bucket < 0", soci::into(unstamped);
  if (unstamped > 0) {
    // Lanes from before buckets existed: each gets its user's bucket.
    under_schema_lock(sql, dialect, [&] {
      std::vector<std::string> users;
      {
        std::string user;
        soci::statement st =
            (sql.prepare << "SELECT DISTINCT partition_key FROM outbox_lanes WHERE bucket < 0", soci::into(user));
        st.execute();
        while (st.fetch()) users.push_back(user);
      }
      for (const auto& u : users) {
        int bucket = bucket_of(u, static_cast<std::int32_t>(count));
        sql << "UPDATE outbox_lanes SET bucket = :b WHERE partition_key = :u", soci::use(bucket), soci::use(u);
      }
    });
  }
  return static_cast<std::int32_t>(count);
}

LeaseTable Store::renew_leases(const ReplicaRecord& me, std::chrono::milliseconds lease) {
  LeaseTable out;
  in_transaction([&](soci::session& sql) {
    const auto dialect = target_.dialect;
    long long now = db_now(sql, dialect);
    long long pid = me.pid, expires = now + lease.count(), forget_before = now - forget_replicas_after_ms;
    std::string owner = me.owner, replica_id = me.replica_id, host = me.host, counters = me.counters;
    sql << "INSERT INTO replicas (owner, replica_id, host, pid, started_at, renewed_at, stopped_at, counters) VALUES "
           "(:owner, :replica_id, :host, :pid, :now, :now2, 0, :counters) ON CONFLICT (owner) DO UPDATE SET "
           "renewed_at = excluded.renewed_at, counters = excluded.counters",
        soci::use(owner), soci::use(replica_id), soci::use(host), soci::use(pid), soci::use(now), soci::use(now),
        soci::use(counters);
    sql << "UPDATE lease_buckets SET expires_at = :expires WHERE " + owned_rows(dialect, " AND released = 0"),
        soci::use(expires), soci::use(owner);
    sql << "DELETE FROM replicas WHERE renewed_at < :before", soci::use(forget_before);
    out.now = now;
    read_table(sql, out);
  });
  return out;
}

std::vector<std::int32_t> Store::apply_leases(const LeasePlan& plan, const ReplicaRecord& me,
                                              const LeaseSettings& settings) {
  std::vector<std::int32_t> claimed;
  if (plan.claims.empty() && plan.releases.empty()) return claimed;
  in_transaction([&](soci::session& sql) {
    claimed.clear();
    long long now = db_now(sql, target_.dialect);
    // Releases and claims in one bucket order, as every other lease writer locks them.
    std::vector<std::pair<std::int32_t, const LeasePlan::Claim*>> steps;
    for (auto b : plan.releases) steps.emplace_back(b, nullptr);
    for (const auto& c : plan.claims) steps.emplace_back(c.bucket, &c);
    std::sort(steps.begin(), steps.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string owner = me.owner, replica_id = me.replica_id;
    long long expires = now + settings.lease, grace = settings.grace;
    int exclusive = settings.exclusive ? 1 : 0;
    for (const auto& [bucket_value, claim] : steps) {
      int bucket = bucket_value;
      if (!claim) {
        // It stops being fetched now; another replica may start it once the grace has passed.
        sql << "UPDATE lease_buckets SET released = 1, expires_at = :now WHERE bucket = :b AND owner = :owner",
            soci::use(now), soci::use(bucket), soci::use(owner);
        continue;
      }
      long long seen = claim->seen_epoch;
      soci::statement st =
          (sql.prepare << "UPDATE lease_buckets SET owner = :owner, replica_id = :rid, epoch = epoch + 1, expires_at "
                          "= :expires, released = 0 WHERE bucket = :b AND epoch = :seen AND (owner = '' OR (owner = "
                          ":owner2 AND released = 1) OR :exclusive = 1 OR expires_at + :grace < :now)",
           soci::use(owner), soci::use(replica_id), soci::use(expires), soci::use(bucket), soci::use(seen),
           soci::use(owner), soci::use(exclusive), soci::use(grace), soci::use(now));
      st.execute(true);
      if (st.get_affected_rows() == 1) claimed.push_back(bucket);
    }
  });
  return claimed;
}

void Store::release_all_leases(const std::string& owner_token, bool clean) {
  in_transaction([&](soci::session& sql) {
    const auto dialect = target_.dialect;
    long long now = db_now(sql, dialect);
    std::string owner = owner_token;
    if (clean)
      sql << "UPDATE lease_buckets SET owner = '', replica_id = '', released = 0, expires_at = 0 WHERE " +
                 owned_rows(dialect, ""),
          soci::use(owner);
    else
      sql << "UPDATE lease_buckets SET released = 1, expires_at = :now WHERE " + owned_rows(dialect, ""),
          soci::use(now), soci::use(owner);
    sql << "UPDATE replicas SET stopped_at = :now WHERE owner = :owner", soci::use(now), soci::use(owner);
  });
}

LeaseTable Store::read_leases() {
  LeaseTable out;
  try {
    auto& sql = session();
    out.now = db_now(sql, target_.dialect);
    read_table(sql, out);
  } catch (const std::exception& e) {
    disconnect(e.what());
    throw;
  }
  return out;
}

void Store::set_paused(const std::string& topic_name, bool paused, const std::string& by_name, millis now) {
  in_transaction([&](soci::session& sql) {
    std::string topic = topic_name, by = by_name;
    int flag = paused ? 1 : 0;
    long long at = now;
    sql << "INSERT INTO topic_controls (topic, paused, changed_by, changed_at) VALUES (:t, :p, :by, :at) ON CONFLICT "
           "(topic) DO UPDATE SET paused = excluded.paused, changed_by = excluded.changed_by, changed_at = "
           "excluded.changed_at",
        soci::use(topic), soci::use(flag), soci::use(by), soci::use(at);
  });
}

}  // namespace tasks
