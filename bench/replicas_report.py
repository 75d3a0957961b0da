#!/usr/bin/env python3
"""The replicas benchmark's tables (bench/replicas.sh): per replica count the summed req/s of the
saturated create and mixed runs, the worst replica's p99, the commit->sidecar latency at the
steady rate, the creates/s per replica and the ratios against the first count of the same run
(req/s: the mean over the count's passes, with the spread between them; p99s and latencies: one
figure per pass, as one stall moves a p99 far more than a mean hides); then, per run, whether
every committed event reached the sink exactly once. Writes bench/results/replicas-<timestamp>.json
and bench/results/replicas-latest.json."""
import argparse, datetime, json, os, platform, statistics

parser = argparse.ArgumentParser()
parser.add_argument("results")
for name in ("duration", "connections", "users", "steady-share", "pg-version"):
    parser.add_argument("--" + name)
args = parser.parse_args()

runs = [json.loads(l) for l in open(args.results) if l.strip()]
counts = sorted({r["replicas"] for r in runs})
base = counts[0]


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def latency(r, key):
    return ((r or {}).get("sink") or {}).get("latency_ms", {}).get(key)


def values(n, workload, value):
    """`value` of the runs of (n, workload), in pass order."""
    return [value(r) for r in sorted(runs, key=lambda r: r["pass"]) if r["replicas"] == n and r["workload"] == workload]


def mean(n, workload, value):
    """The mean of `value` over the passes of (n, workload), and the spread (max - min) / mean."""
    vs = [v for v in values(n, workload, value) if v is not None]
    if not vs:
        return None, None
    m = statistics.mean(vs)
    return round(m, 2), round((max(vs) - min(vs)) / m, 3) if m else None


def exact(r):
    """Exactly once: the sink saw every committed event once and every commit with events."""
    s = r["sink"] or {}
    return (r["drain_seconds"] is not None and s.get("duplicates") == 0 and s.get("requests") == r["events_committed"]
            and s.get("distinct_events") == r["events_committed"] and s.get("commits") == r["commits"])


rps, p99 = (lambda r: r["rps"]), (lambda r: r["p99_ms_max"])
c2s = lambda key: lambda r: latency(r, key)
summary = []
for n in counts:
    (creates, creates_spread), (mixed, mixed_spread) = mean(n, "create", rps), mean(n, "mixed", rps)
    c0, m0 = mean(base, "create", rps)[0], mean(base, "mixed", rps)[0]
    summary.append({
        "replicas": n, "passes": len(values(n, "create", rps)),
        "creates_per_s": creates, "creates_spread": creates_spread, "create_p99_ms": values(n, "create", p99),
        "mixed_per_s": mixed, "mixed_spread": mixed_spread, "mixed_p99_ms": values(n, "mixed", p99),
        "steady_per_s": mean(n, "steady", rps)[0], "steady_p99_ms": values(n, "steady", p99),
        "commit_to_sidecar_p50_ms": values(n, "steady", c2s("p50")),
        "commit_to_sidecar_p99_ms": values(n, "steady", c2s("p99")),
        "commit_to_sidecar_max_ms": values(n, "steady", c2s("max")),
        "creates_per_s_per_replica": creates and round(creates / n, 1),
        "creates_vs_first": ratio(creates, c0), "mixed_vs_first": ratio(mixed, m0),
        "per_replica_vs_first": ratio(creates and creates / n, c0 and c0 / base),
        "deadlocks": sum(r["deadlocks"] for r in runs if r["replicas"] == n)})

for r in runs:
    r["exactly_once"] = exact(r)

fmt = lambda v, spec=".2f": "-" if v is None else format(v, spec)
each = lambda vs, spec=".0f": "/".join(fmt(v, spec) for v in vs)  # one figure per pass
print(f"req/s: means over the passes (spread = (max - min) / mean); p99s and commit->sidecar (c->s, at the "
      f"steady rate): each pass; vs {base}: against {base} replica(s)")
print(f"{'N':>2} {'creates/s':>9} {'spread':>6} {'p99 ms':>9} {'mixed/s':>8} {'spread':>6} {'p99 ms':>9} "
      f"{'steady/s':>8} {'p99 ms':>9} {'c->s p50':>9} {'c->s p99':>9} {'creates/s/replica':>17} "
      f"{'creates vs ' + str(base):>12} {'mixed vs ' + str(base):>10} {'deadlocks':>9}")
for s in summary:
    print(f"{s['replicas']:>2} {fmt(s['creates_per_s'], '.0f'):>9} {fmt(s['creates_spread']):>6} "
          f"{each(s['create_p99_ms']):>9} {fmt(s['mixed_per_s'], '.0f'):>8} {fmt(s['mixed_spread']):>6} "
          f"{each(s['mixed_p99_ms']):>9} {fmt(s['steady_per_s'], '.0f'):>8} {each(s['steady_p99_ms']):>9} "
          f"{each(s['commit_to_sidecar_p50_ms']):>9} {each(s['commit_to_sidecar_p99_ms']):>9} "
          f"{fmt(s['creates_per_s_per_replica'], '.0f'):>17} {fmt(s['creates_vs_first']):>12} "
          f"{fmt(s['mixed_vs_first']):>10} {s['deadlocks']:>9}")
print()
print(f"{'run':16} {'load':>4} {'committed':>9} {'publishes':>9} {'distinct':>8} {'dupl.':>5} {'commits db/sink':>15} "
      f"{'drained s':>9} {'backlog max':>11} {'c->s p50/p99/max ms':>20} {'deadlocks':>9} {'leases lost':>11} "
      f"{'fenced':>6} {'non-2xx':>7} {'exactly once':>12}")
for r in runs:
    s = r["sink"] or {}
    lost = sum(p["lease_changes"].get("lost", 0) for p in r["per_replica"])
    fenced = sum(p["fenced_settle_entries"] or 0 for p in r["per_replica"])
    lat = f"{fmt(latency(r, 'p50'), '.1f')}/{fmt(latency(r, 'p99'), '.1f')}/{fmt(latency(r, 'max'), '.1f')}"
    print(f"{r['run']:16} {r['loadavg_1m']:>4.1f} {r['events_committed']:>9} {s.get('requests', '-'):>9} "
          f"{s.get('distinct_events', '-'):>8} {s.get('duplicates', '-'):>5} "
          f"{str(r['commits']) + '/' + str(s.get('commits', '-')):>15} {fmt(r['drain_seconds']):>9} "
          f"{r['backlog_max']:>11} {lat:>20} {r['deadlocks']:>9} {lost:>11.0f} {fenced:>6} "
          f"{r['non_2xx'] + r['socket_errors']:>7} {'yes' if r['exactly_once'] else 'NO':>12}")

stamp = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
doc = {"when": stamp, "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
       "settings": {k: v for k, v in vars(args).items() if k != "results"}, "summary": summary, "runs": runs}
os.makedirs("bench/results", exist_ok=True)
for path in (f"bench/results/replicas-{stamp}.json", "bench/results/replicas-latest.json"):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
print(f"written: bench/results/replicas-{stamp}.json")
