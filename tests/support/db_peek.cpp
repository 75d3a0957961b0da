#include "tests/support/db_peek.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "persistence/db_url.hpp"

namespace tasks::testing {

DbPeek::DbPeek(const std::string& url) {
  auto target = parse_db_url(url);
  sqlite_ = target.dialect == Dialect::sqlite;
  sql_ = sqlite_ ? std::make_unique<soci::session>(soci::sqlite3, target.connect)
                 : std::make_unique<soci::session>(soci::postgresql, target.connect);
}

DbPeek::~DbPeek() = default;

std::vector<PeekEvent> DbPeek::outbox(const std::string& user) {
  std::vector<PeekEvent> out;
  PeekEvent e;
  std::string payload;
  soci::statement st =
      (sql_->prepare << "SELECT id, topic, event_id, event_type, partition_key, task_id, correlation_id, "
                        "traceparent, payload FROM outbox WHERE partition_key = :u ORDER BY id",
       soci::into(e.id), soci::into(e.topic), soci::into(e.event_id), soci::into(e.event_type),
       soci::into(e.partition_key), soci::into(e.task_id), soci::into(e.correlation_id), soci::into(e.traceparent),
       soci::into(payload), soci::use(user));
  st.execute();
  while (st.fetch()) {
    e.payload = nlohmann::json::parse(payload);
    out.push_back(e);
  }
  return out;
}

std::vector<PeekTask> DbPeek::tasks(const std::string& user) {
  std::vector<PeekTask> out;
  PeekTask t;
  int completed = 0;
  long long due = 0;
  soci::indicator due_set = soci::i_ok;
  soci::statement st = (sql_->prepare << "SELECT id, user_id, title, completed, due_date, version FROM tasks "
                                         "WHERE user_id = :u ORDER BY seq",
                        soci::into(t.id), soci::into(t.user_id), soci::into(t.title), soci::into(completed),
                        soci::into(due, due_set), soci::into(t.version), soci::use(user));
  st.execute();
  while (st.fetch()) {
    t.completed = completed != 0;
    t.has_due = due_set == soci::i_ok;
    t.due_date = t.has_due ? due : 0;
    out.push_back(t);
  }
  return out;
}

long long DbPeek::count(const std::string& query) {
  long long n = 0;
  *sql_ << query, soci::into(n);
  return n;
}

void DbPeek::exec(const std::string& query) {
  *sql_ << query;
}

void DbPeek::install_failing_trigger(const std::string& marker) {
  if (sqlite_) {
    exec("CREATE TRIGGER IF NOT EXISTS fail_injected BEFORE INSERT ON outbox WHEN NEW.payload LIKE '%" + marker +
         "%' BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  } else {
    exec("CREATE OR REPLACE FUNCTION fail_injected() RETURNS trigger AS $$ BEGIN IF NEW.payload LIKE '%" + marker +
         "%' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
    exec("DROP TRIGGER IF EXISTS fail_injected ON outbox");
    exec("CREATE TRIGGER fail_injected BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION fail_injected()");
  }
}

}  // namespace tasks::testing
