#!/usr/bin/env python3
"""The client side of `make bench-backlog` (bench/backlog.sh starts the processes).

measure: against a running taskd on the backlog, (1) the latency of the monitoring routes,
sequential keep-alive requests, the routes taken in turn, while the publishers deliver, then
again with them paused (to compare with the baseline); (2) the delivery rate, from
tasks_events_published_total, in windows without a scraper (A) and with one (B: GET /metrics
and GET /admin/outbox every 100 ms), in the order A B B A A B B A so that a drift over the run
(page cache, lanes moving on) weighs on both alike.
baseline: the latency of the same routes, publishers paused, on a small backlog with the same
lanes: what "the same at any backlog" is measured against.
plans: EXPLAIN QUERY PLAN and one timed run of each outbox statement, on the file, read-only.
report: the summary against the targets, written to bench/results/backlog-<timestamp>.json.
"""
import argparse, datetime, http.client, json, math, os, platform, re, sqlite3, sys, threading, time
from urllib.parse import urlsplit

ROUTES = ["/metrics", "/admin/outbox", "/admin/outbox/task-events", "/admin/lanes"]


class Client:
    """One keep-alive connection; reconnects after an error (counted by the caller)."""

    def __init__(self, base):
        u = urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def get(self, path, timeout=10):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        start = time.perf_counter()
        try:
            self.conn.request("GET", path)
            r = self.conn.getresponse()
            body = r.read()
            return r.status, body, time.perf_counter() - start
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = None
            return None, str(e).encode(), time.perf_counter() - start


def stats(seconds):
    """p50, p99 (nearest rank) and max in milliseconds."""
    if not seconds:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    s = sorted(seconds)
    rank = lambda q: s[max(0, math.ceil(q * len(s)) - 1)]
    return {"n": len(s), "p50_ms": round(rank(0.50) * 1000, 2), "p99_ms": round(rank(0.99) * 1000, 2),
            "max_ms": round(s[-1] * 1000, 2)}


METRIC = re.compile(r"^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$")


def metrics(base):
    """The sums over labels of the series we read, from one fresh connection."""
    status, body, _ = Client(base).get("/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}: {body[:200]!r}")
    sums = {}
    for line in body.decode().splitlines():
        m = METRIC.match(line)
        if m:
            sums[m.group(1)] = sums.get(m.group(1), 0.0) + float(m.group(3))
    return sums


def thread_cpu(pid):
    """CPU seconds of each thread of `pid`, summed by thread name (/proc/PID/task/*/stat)."""
    out = {}
    if not pid:
        return out
    tick = os.sysconf("SC_CLK_TCK")
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            pass  # a thread that ended meanwhile
    return out


def published(base):
    return metrics(base).get("tasks_events_published_total", 0.0), time.monotonic()


class Scraper(threading.Thread):
    """GET each of `paths` every `interval` seconds (no catching up when late). The default is
    what a Prometheus scraper does: /metrics. --scrape-paths /metrics,/admin/outbox adds an
    operator's outbox view at the same rate (reported, as a harder case than the target's)."""

    def __init__(self, base, interval, paths):
        super().__init__(daemon=True)
        self.client, self.interval = Client(base), interval
        self.stop_event = threading.Event()
        self.latency = {p: [] for p in paths}
        self.errors = 0
        self.ticks = 0

    def run(self):
        next_tick = time.monotonic()
        while not self.stop_event.is_set():
            for path in self.latency:
                status, _, seconds = self.client.get(path)
                if status == 200:
                    self.latency[path].append(seconds)
                else:
                    self.errors += 1
            self.ticks += 1
            next_tick += self.interval
            self.stop_event.wait(max(0.0, next_tick - time.monotonic()))
            next_tick = max(next_tick, time.monotonic() - self.interval)


def route_latency(base, requests, label):
    """Each route `requests` times, in turn, on one keep-alive connection."""
    client = Client(base)
    samples = {p: [] for p in ROUTES}
    bad = {p: {} for p in ROUTES}
    for p in ROUTES:  # first requests open the connection and the readers' statements
        client.get(p)
    for _ in range(requests):
        for p in ROUTES:
            status, _, seconds = client.get(p)
            if status == 200:
                samples[p].append(seconds)
            else:
                bad[p][str(status)] = bad[p].get(str(status), 0) + 1
    latency = {p: dict(stats(samples[p]), errors=bad[p]) for p in ROUTES}
    print(f"latency ({label}): " + ", ".join(f"{p} p50 {latency[p]['p50_ms']} p99 {latency[p]['p99_ms']} ms"
                                            for p in ROUTES), file=sys.stderr)
    return latency


def set_publishers(base, action):
    client = Client(base)
    for topic in ("task-events", "task-updates", "reminders"):
        client.conn = client.conn or http.client.HTTPConnection(client.host, client.port, timeout=10)
        client.conn.request("POST", f"/admin/publishers/{topic}/{action}")
        r = client.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"{action} {topic}: {r.status} {body[:200]!r}")


def baseline(args):
    set_publishers(args.admin, "pause")
    before = metrics(args.admin)
    latency = route_latency(args.admin, args.requests, "baseline, publishers paused")
    json.dump({"latency_paused": latency, "metrics": before}, open(args.out, "w"), indent=2)


def measure(args):
    base = args.admin
    before = metrics(base)
    # (1) latency of each route while the publishers deliver, then with them paused.
    latency = route_latency(base, args.requests, "publishers delivering")
    set_publishers(base, "pause")
    paused = route_latency(base, args.requests, "publishers paused")
    set_publishers(base, "resume")

    # (2) the delivery rate without and with a scraper.
    time.sleep(args.warmup)
    windows = []
    for i, mode in enumerate(args.windows.split(",")):
        cpu0 = thread_cpu(args.taskd_pid)
        count0, t0 = published(base)
        scraper = None
        if mode == "B":
            scraper = Scraper(base, args.scrape_interval, args.scrape_paths.split(","))
            scraper.start()
        time.sleep(args.window)
        if scraper:
            scraper.stop_event.set()
            scraper.join()
        count1, t1 = published(base)
        cpu1 = thread_cpu(args.taskd_pid)
        w = {"window": i + 1, "scraper": mode == "B", "seconds": round(t1 - t0, 3), "delivered": int(count1 - count0),
             "events_per_s": round((count1 - count0) / (t1 - t0), 1),
             # Where taskd's CPU went, by thread name: shows what a scrape costs besides its SQL.
             "taskd_cpu_s": {k: round(v - cpu0.get(k, 0.0), 2) for k, v in sorted(cpu1.items())}}
        if scraper:
            w["scrapes"] = scraper.ticks
            w["scrape_errors"] = scraper.errors
            w["scrape_latency"] = {p: stats(v) for p, v in scraper.latency.items()}
        windows.append(w)
        print(f"window {i + 1} ({'scraper' if scraper else 'no scraper'}): {w['events_per_s']} events/s",
              file=sys.stderr)
    after = metrics(base)
    keys = ["tasks_outbox_pending", "tasks_outbox_lanes", "tasks_outbox_lanes_backing_off", "tasks_outbox_lanes_blocked",
            "tasks_dead_letters", "tasks_events_published_total", "tasks_events_publish_failures_total",
            "tasks_events_dead_lettered_total"]
    json.dump({"latency": latency, "latency_paused": paused, "windows": windows,
               "metrics_before": {k: before.get(k) for k in keys},
               "metrics_after": {k: after.get(k) for k in keys}}, open(args.out, "w"), indent=2)


# Copies of the outbox statements of persistence/store_outbox.cpp (fetch_due, backlog, pending,
# blocked_lanes), to show how SQLite runs them on this file. They can drift from the code: the
# HTTP figures above are the measurement, these are the explanation.
STATEMENTS = {
    "fetch: due lanes": "SELECT partition_key, failures FROM outbox_lanes WHERE topic = :topic AND pending > 0 AND "
                        "blocked_by = 0 AND next_attempt_at <= :now ORDER BY head_at LIMIT :limit",
    "fetch: a lane's rows": "SELECT id, topic, event_id, event_type, partition_key, task_id, correlation_id, "
                            "traceparent, payload, created_at, attempts, last_error, next_attempt_at, first_failed_at "
                            "FROM outbox WHERE topic = :topic AND partition_key = :user ORDER BY id LIMIT :limit",
    "backlog: lanes by topic": "SELECT topic, SUM(pending), SUM(CASE WHEN pending > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN "
                               "pending > 0 AND next_attempt_at > :now THEN 1 ELSE 0 END), SUM(CASE WHEN blocked_by > 0 "
                               "THEN 1 ELSE 0 END) FROM outbox_lanes GROUP BY topic",
    "backlog: dead letters by topic": "SELECT topic, COUNT(*), MIN(dead_at) FROM dead_letters GROUP BY topic",
    "backlog: oldest row of a topic": "SELECT created_at FROM outbox WHERE topic = :topic ORDER BY id LIMIT 1",
    "pending view": "SELECT o.id, o.topic, o.event_id, o.event_type, o.partition_key, o.task_id, o.correlation_id, "
                    "o.traceparent, o.payload, o.created_at, o.attempts, o.last_error, o.next_attempt_at, "
                    "o.first_failed_at, l.failures, d.event_id FROM outbox o LEFT JOIN outbox_lanes l ON l.topic = "
                    "o.topic AND l.partition_key = o.partition_key LEFT JOIN dead_letters d ON l.blocked_by > 0 AND "
                    "d.id = l.blocked_by WHERE o.topic = :topic ORDER BY o.id LIMIT :limit",
    "blocked lanes view": "SELECT l.topic, l.partition_key, l.blocked_by, l.blocked_since, l.blocked_reason, "
                          "l.pending, d.event_id, d.event_type, d.task_id FROM outbox_lanes l LEFT JOIN dead_letters d "
                          "ON d.id = l.blocked_by WHERE l.blocked_by > 0 ORDER BY l.blocked_since, l.topic, "
                          "l.partition_key LIMIT :limit",
}


def plans(args):
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    now = int(time.time() * 1000)
    first_lane = db.execute(STATEMENTS["fetch: due lanes"], {"topic": "task-events", "now": now, "limit": 1}).fetchone()
    params = {"topic": "task-events", "now": now, "limit": 32, "user": first_lane[0] if first_lane else ""}
    out = {}
    for name, sql in STATEMENTS.items():
        used = {k: v for k, v in params.items() if ":" + k in sql}
        plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, used)]
        db.execute(sql, used).fetchall()  # warm, as in the running service
        start = time.perf_counter()
        rows = len(db.execute(sql, used).fetchall())
        out[name] = {"ms": round((time.perf_counter() - start) * 1000, 3), "rows": rows, "plan": plan}
    json.dump(out, open(args.out, "w"), indent=2)


def report(args):
    m = json.load(open(args.measure))
    ctx = json.load(open(args.context))
    plan = json.load(open(args.plans)) if args.plans and os.path.exists(args.plans) else {}
    base = json.load(open(args.baseline)) if args.baseline and os.path.exists(args.baseline) else None
    checks = []

    def check(name, ok, detail):
        checks.append({"check": name, "pass": bool(ok), "detail": detail})

    pending = m["metrics_before"].get("tasks_outbox_pending") or 0
    end = m["metrics_after"].get("tasks_outbox_pending") or 0
    check("backlog present", pending >= 0.99 * ctx["rows"],
          f"{pending:.0f} pending rows at the start ({ctx['rows']} generated), {end:.0f} at the end")
    for route, s in m["latency"].items():
        ok = s["n"] == args.requests and not s["errors"] and s["p99_ms"] is not None and s["p99_ms"] < args.target_ms
        check(f"GET {route} p99 < {args.target_ms:g} ms (publishers delivering)", ok,
              f"p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, max {s['max_ms']} ms over {s['n']} "
              f"(non-200: {s['errors'] or 0})")
    if base:
        # The same cost at any backlog: the p50 with 10 M rows against the baseline's, publishers
        # paused in both, within noise (x1.5, plus 1 ms for the sub-millisecond routes).
        small = base["metrics"].get("tasks_outbox_pending") or 0
        for route, s in m["latency_paused"].items():
            b = base["latency_paused"][route]
            ok = (s["p50_ms"] is not None and b["p50_ms"] is not None and not s["errors"] and not b["errors"] and
                  s["p50_ms"] <= 1.5 * b["p50_ms"] + 1)
            check(f"GET {route} costs the same at {pending / 1e6:.1f} M as at {small / 1e6:.1f} M rows", ok,
                  f"p50 {s['p50_ms']} vs {b['p50_ms']} ms, p99 {s['p99_ms']} vs {b['p99_ms']} ms (publishers paused; "
                  f"{ctx['lanes']} lanes in both)")
    a = [w for w in m["windows"] if not w["scraper"]]
    b = [w for w in m["windows"] if w["scraper"]]
    rate = lambda ws: sum(w["delivered"] for w in ws) / sum(w["seconds"] for w in ws)
    ratio = rate(b) / rate(a) if a and b and rate(a) > 0 else 0.0
    scrape_errors = sum(w.get("scrape_errors", 0) for w in b)
    check(f"delivery with a scraper >= {args.target_ratio:g} of without",
          ratio >= args.target_ratio and scrape_errors == 0 and rate(a) > 0,
          f"{rate(b):.0f} vs {rate(a):.0f} events/s = {ratio:.3f} (windows: " +
          ", ".join(f"{'B' if w['scraper'] else 'A'} {w['events_per_s']:.0f}" for w in m["windows"]) +
          f"; scrape errors {scrape_errors})")
    failures = m["metrics_after"].get("tasks_events_publish_failures_total") or 0
    check("no publish failures during the run", failures == 0, f"{failures:.0f} failed attempts")

    scrape = {}
    for path in (b[0]["scrape_latency"] if b else {}):
        per_window = [w["scrape_latency"][path] for w in b]
        scrape[path] = {"n": sum(x["n"] for x in per_window),
                        "p50_ms_max_of_windows": max((x["p50_ms"] or 0) for x in per_window) if b else None,
                        "p99_ms_max_of_windows": max((x["p99_ms"] or 0) for x in per_window) if b else None,
                        "max_ms": max((x["max_ms"] or 0) for x in per_window) if b else None}
    passed = all(c["pass"] for c in checks)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    doc = {"when": stamp, "machine": {"cpus": os.cpu_count(), "platform": platform.platform()}, "context": ctx,
           "latency": m["latency"], "latency_paused": m["latency_paused"],
           "baseline": base, "windows": m["windows"], "rate_ratio": round(ratio, 3),
           "scrape_latency_under_scraper": scrape, "metrics_before": m["metrics_before"],
           "metrics_after": m["metrics_after"], "statements": plan, "checks": checks,
           "result": "PASS" if passed else "FAIL"}
    os.makedirs("bench/results", exist_ok=True)
    for path in (f"bench/results/backlog-{stamp}.json", "bench/results/backlog-latest.json"):
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)

    print(f"\nbench-backlog: {ctx['rows']} rows, {ctx['users']} users ({ctx['lanes']} lanes), {ctx['blocked_rows']} "
          f"rows behind {ctx['blocked_lanes']} blocked lanes, {ctx['backoff_rows']} behind {ctx['backoff_lanes']} "
          f"backing off; file {ctx['db_bytes'] / 1e9:.2f} GB ({ctx['db_source']})")
    print(f"pending: {pending:.0f} at the start, {end:.0f} at the end; delivered by taskd's count "
          f"{m['metrics_after']['tasks_events_published_total']:.0f}, the sink saw "
          f"{(ctx.get('sink') or {}).get('delivered')}")
    fmt = lambda s: f"{s['p50_ms']!s:>7} {s['p99_ms']!s:>7} {s['max_ms']!s:>7}"
    print(f"{'ms: p50 p99 max':27} {'delivering':>23} {'paused':>23} {'baseline, paused':>23}")
    for route, s in m["latency"].items():
        b_s = fmt(base["latency_paused"][route]) if base else ""
        print(f"{route:27} {fmt(s)} {fmt(m['latency_paused'][route])} {b_s}")
    for path, s in scrape.items():
        print(f"{path + ' (scraper)':27} {s['p50_ms_max_of_windows']!s:>7} {s['p99_ms_max_of_windows']!s:>7} "
              f"{s['max_ms']!s:>7}   (worst window's p50 and p99, {s['n']} requests)")
    print(f"{'window':8} {'scraper':8} {'seconds':>8} {'delivered':>10} {'events/s':>9}  taskd CPU s by thread name")
    for w in m["windows"]:
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in w.get("taskd_cpu_s", {}).items() if v >= 0.05)
        print(f"{w['window']:<8} {'yes' if w['scraper'] else 'no':8} {w['seconds']:8.1f} {w['delivered']:10d} "
              f"{w['events_per_s']:9.1f}  {cpu}")
    if plan:
        print("statements (one run each on the 10 M file after the run, read-only):")
        for name, s in plan.items():
            print(f"  {name:32} {s['ms']:8.3f} ms  {' / '.join(s['plan'])}")
    for c in checks:
        print(f"{'PASS' if c['pass'] else 'FAIL'}  {c['check']}: {c['detail']}")
    print(f"{doc['result']}  written: bench/results/backlog-{stamp}.json")
    return 0 if passed else 1


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("measure")
    p.add_argument("--admin", required=True)
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--warmup", type=float, default=10)
    p.add_argument("--window", type=float, default=10)
    p.add_argument("--windows", default="A,B,B,A,A,B,B,A")
    p.add_argument("--scrape-interval", type=float, default=0.1)
    p.add_argument("--scrape-paths", default="/metrics")
    p.add_argument("--taskd-pid", type=int, default=0)
    p.add_argument("--out", required=True)
    p = sub.add_parser("baseline")
    p.add_argument("--admin", required=True)
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--out", required=True)
    p = sub.add_parser("plans")
    p.add_argument("--db", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--measure", required=True)
    p.add_argument("--context", required=True)
    p.add_argument("--plans")
    p.add_argument("--baseline")
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--target-ms", type=float, default=50)
    p.add_argument("--target-ratio", type=float, default=0.95)
    args = parser.parse_args()
    return {"measure": measure, "baseline": baseline, "plans": plans, "report": report}[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
