#!/usr/bin/env python3
"""The benchmark table: each run's req/s, p50 and p99, and per sidecar mode and workload the
median over its rounds, as ratios against GET /healthz (the same server's ceiling, in the same
sidecar mode) and against the healthy sidecar's median of the same workload. Writes
bench/results/<timestamp>.json and bench/results/latest.json."""
import argparse, datetime, json, os, platform, statistics

parser = argparse.ArgumentParser()
parser.add_argument("results")
for name in ("duration", "connections", "threads", "users", "slow-ms", "rounds", "steady-fraction", "half-fraction"):
    parser.add_argument("--" + name)
args = parser.parse_args()

runs = [json.loads(l) for l in open(args.results) if l.strip()]

def median_of(group):
    """The group's median req/s, p50 and p99 (each its own median); the other figures (backlog,
    sink) from the round whose p99 is the median one; every round's req/s and p99 kept."""
    ordered = sorted(group, key=lambda r: r["p99_ms"])
    m = dict(ordered[(len(ordered) - 1) // 2])
    for key in ("rps", "p50_ms", "p99_ms"):
        m[key] = statistics.median(r[key] for r in group)
    m["non_2xx"] = sum(r["non_2xx"] for r in group)
    m["socket_errors"] = sum(r["socket_errors"] for r in group)
    m["rounds"] = len(group)
    m["rps_rounds"] = [r["rps"] for r in group]
    m["p99_ms_rounds"] = [r["p99_ms"] for r in group]
    return m

groups = {}
for r in runs:
    groups.setdefault((r["sidecar"], r["workload"]), []).append(r)
medians = [median_of(g) for g in groups.values()]
by = {(m["sidecar"], m["workload"]): m for m in medians}

def ratio(a, b):
    return round(a / b, 3) if b else None

for r in runs + medians:
    ceiling = by.get((r["sidecar"], "healthz"))
    healthy = by.get(("healthy", r["workload"]))
    r["rps_vs_healthz"] = ratio(r["rps"], ceiling["rps"]) if ceiling else None
    r["rps_vs_healthy"] = ratio(r["rps"], healthy["rps"]) if healthy else None
    r["p99_vs_healthy"] = ratio(r["p99_ms"], healthy["p99_ms"]) if healthy else None

header = f"{'sidecar':8} {'workload':8} {'round':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs healthz':>10} " \
         f"{'rps vs healthy':>14} {'p99 vs healthy':>14} {'errors':>6} {'backlog max/end':>15} {'drain s':>7} " \
         f"{'events/publish':>14} {'to sidecar p99':>14}"
def events_per_request(r):
    return ratio(r.get("sink_events") or 0, r.get("sink_requests")) if r.get("sink_requests") else None

def to_sidecar_p99(r):
    latency = r.get("commit_to_sidecar_ms") or {}
    return latency.get("p99") if latency.get("count") else None

def table(title, rows, label):
    print(title)
    print(header)
    print("-" * len(header))
    for r in rows:
        row(r, label(r))
    print()

def row(r, label):
    fmt = lambda v: "-" if v is None else f"{v:.2f}"
    print(f"{r['sidecar']:8} {r['workload']:8} {label:>6} {r['rps']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
          f"{fmt(r['rps_vs_healthz']):>10} {fmt(r['rps_vs_healthy']):>14} {fmt(r['p99_vs_healthy']):>14} "
          f"{r['non_2xx'] + r['socket_errors']:6d} {str(r['backlog_max']) + '/' + str(r['backlog_end']):>15} "
          f"{fmt(r['drain_seconds']):>7} {fmt(events_per_request(r)):>14} {fmt(to_sidecar_p99(r)):>14}")

table("Every run:", runs, lambda r: str(r.get("round", 1)))
table("Per sidecar mode and workload, the median of its rounds (ratios between medians):", medians,
      lambda r: f"{r['rounds']}x")

target = []
for w in ("create", "mixed"):
    r = by.get(("healthy", w))
    if r and r["rps_vs_healthz"] is not None:
        ok = r["rps_vs_healthz"] >= 0.25
        target.append(f"{w} with a healthy sidecar: {r['rps_vs_healthz']:.3f}x the same server's /healthz "
                      f"({'reaches' if ok else 'does NOT reach'} 0.25)")
saturated = by.get(("healthy", "create"))
if saturated:
    per_second = 3 * saturated["rps"]
    ok = saturated["backlog_end"] < per_second
    target.append(f"outbox at the saturated create rate ({saturated['rps']:.0f} req/s): ends the run at "
                  f"{saturated['backlog_end']} rows ({'below' if ok else 'NOT below'} one second of events, "
                  f"{per_second:.0f})")
half = by.get(("healthy", "half"))
if half and to_sidecar_p99(half) is not None:
    ok = to_sidecar_p99(half) < 50
    share = f"{half['rps'] / saturated['rps']:.2f} of the saturated rate" if saturated else "paced"
    target.append(f"commit -> sidecar p99 at {half['rps']:.0f} req/s ({share}): {to_sidecar_p99(half):.1f} ms "
                  f"({'under' if ok else 'NOT under'} 50 ms)")
for w in ("create", "mixed"):
    for mode in ("down", "slow"):
        r = by.get((mode, w))
        if r and r["p99_vs_healthy"] is not None:
            ok = r["p99_vs_healthy"] <= 1.10
            rounds = "/".join(f"{p:.1f}" for p in r["p99_ms_rounds"])
            healthy = "/".join(f"{p:.1f}" for p in by[("healthy", w)]["p99_ms_rounds"])
            target.append(f"{w} p99 with the sidecar {mode}: median {r['p99_vs_healthy']:.2f}x healthy's "
                          f"({'within' if ok else 'NOT within'} 10 %; rounds {rounds} ms vs {healthy} ms)")
steady = by.get(("healthy", "steady"))
if steady:
    # Each create yields three events (task.created on two topics, a reminder): one second's worth
    # is the bound a keeping-up publisher stays under.
    per_second = 3 * steady["rps"]
    ok = steady["backlog_max"] <= per_second and steady["backlog_end"] <= per_second
    saturated = by.get(("healthy", "create"))
    share = f"{steady['rps'] / saturated['rps']:.2f} of the saturated rate, " if saturated else ""  # achieved
    target.append(f"steady create at {steady['rps']:.0f} req/s ({share}paced at {args.steady_fraction}) with a healthy "
                  f"sidecar: backlog max {steady['backlog_max']}, end {steady['backlog_end']} "
                  f"({'bounded' if ok else 'NOT bounded'}: one second of events is {per_second:.0f})")
for line in target:
    print(line)

stamp = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
doc = {"when": stamp, "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
       "settings": {k: v for k, v in vars(args).items() if k != "results"}, "runs": runs, "medians": medians,
       "target": target}
os.makedirs("bench/results", exist_ok=True)
for path in (f"bench/results/{stamp}.json", "bench/results/latest.json"):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
print(f"written: bench/results/{stamp}.json")
