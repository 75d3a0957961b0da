#!/usr/bin/env python3
"""One run of bench/replicas.sh as one JSON line: the wrk summaries of every replica (req/s
summed, p99 of each), the sink's line (publishes, distinct events, duplicates, commits, the
commit->sidecar latency), what the database says was committed, and what each replica's
/metrics and writer say happened during the run: events each published, publish failures,
lease changes (claimed, released, lost) and settles fenced off."""
import glob, json, re, sys

work, run, pass_, n, workload, end_backlog, drain, events, commits, dead, balanced, started, ended = sys.argv[1:14]


def last_json(path):
    lines = [l for l in open(path) if l.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def lease_changes(path):
    """tasks_lease_bucket_changes_total by change (claimed, released, lost)."""
    out = {}
    for m in re.finditer(r'^tasks_lease_bucket_changes_total\{change="(\w+)"\} (\S+)', open(path).read(), re.M):
        out[m.group(1)] = float(m.group(2))
    return out


def counter_sum(path, name):
    """A counter summed over its labels (0 before its first increment)."""
    return sum(float(m.group(1)) for m in re.finditer(rf"^{name}\{{[^}}]*\}} (\S+)", open(path).read(), re.M))


def fenced(path):
    """The writer's settle entries that changed nothing because the lease had moved on."""
    doc = json.load(open(path))
    for actor in doc if isinstance(doc, list) else doc.get("actors", [doc]):
        details = actor.get("details", {}) if isinstance(actor, dict) else {}
        if "fenced_settle_entries" in details:
            return details["fenced_settle_entries"]
    return None


def log_lines(path):
    """The replica's log lines (warnings and errors: it runs at level warn) within the run, and
    how many of them report a PostgreSQL deadlock (each one held its transactions for the
    server's deadlock_timeout, 1 s, before one of them was cancelled)."""
    lines = []
    for line in open(path):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if started <= entry.get("ts", "") <= ended:
            lines.append(entry)
    return len(lines), sum("deadlock detected" in json.dumps(e) for e in lines)


replicas = []
for i in range(1, int(n) + 1):
    prefix = f"{work}/{run}.r{i}"
    before, after = lease_changes(prefix + ".metrics-before"), lease_changes(prefix + ".metrics")
    warnings, deadlocks = log_lines(f"{work}/{pass_}-n{n}-r{i}.taskd.log")
    fenced_before, fenced_after = fenced(prefix + ".writer-before.json"), fenced(prefix + ".writer.json")
    replicas.append({"replica_id": f"r{i}", "wrk": last_json(prefix + ".wrk.out"),
                     "lease_changes": {k: after[k] - before.get(k, 0) for k in after},
                     **{key: counter_sum(prefix + ".metrics", name) - counter_sum(prefix + ".metrics-before", name)
                        for key, name in (("published", "tasks_events_published_total"),
                                          ("publish_failures", "tasks_events_publish_failures_total"))},
                     "log_warnings": warnings, "deadlocks": deadlocks,
                     "fenced_settle_entries": None if fenced_after is None else fenced_after - (fenced_before or 0)})
cluster = json.load(open(f"{work}/{run}.cluster.json"))
samples = [int(x) for x in open(f"{work}/{run}.backlog").read().split() if x.strip().isdigit()]
wrks = [r["wrk"] for r in replicas]
print(json.dumps({
    "run": run, "pass": int(pass_), "replicas": int(n), "started": started, "ended": ended, "workload": workload,
    "rps": round(sum(w["rps"] for w in wrks), 1),
    "requests": sum(w["requests"] for w in wrks),
    "p50_ms_max": max(w["p50_ms"] for w in wrks), "p99_ms_max": max(w["p99_ms"] for w in wrks),
    "non_2xx": sum(w["non_2xx"] for w in wrks), "socket_errors": sum(w["socket_errors"] for w in wrks),
    "backlog_max": max(samples or [0]), "backlog_end": int(end_backlog),
    "drain_seconds": None if drain == "null" else float(drain),
    "events_committed": int(events), "commits": int(commits), "dead_letters": int(dead),
    "deadlocks": sum(r["deadlocks"] for r in replicas), "log_warnings": sum(r["log_warnings"] for r in replicas),
    "balanced_after_seconds": float(balanced),
    # The 1-minute load average at the run's end: this benchmark's own processes (2 or more while
    # they saturate the 2 cores) plus whatever else shares the machine.
    "loadavg_1m": float(open("/proc/loadavg").read().split()[0]),
    "sink": last_json(f"{work}/{run}.sink.out"),
    "buckets_held_at_end": {r["replica_id"]: r["buckets"] for r in cluster["replicas"] if r["live"]},
    "per_replica": replicas}))
