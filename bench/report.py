#!/usr/bin/env python3
"""The benchmark table: each run's req/s, p50 and p99, as ratios against GET /healthz (the same
server's ceiling, in the same sidecar mode) and against the healthy-sidecar run of the same
workload. Writes bench/results/<timestamp>.json and bench/results/latest.json."""
import argparse, datetime, json, os, platform

parser = argparse.ArgumentParser()
parser.add_argument("results")
for name in ("duration", "connections", "threads", "users", "slow-ms", "steady-fraction"):
    parser.add_argument("--" + name)
args = parser.parse_args()

runs = [json.loads(l) for l in open(args.results) if l.strip()]
by = {(r["sidecar"], r["workload"]): r for r in runs}

def ratio(a, b):
    return round(a / b, 3) if b else None

for r in runs:
    ceiling = by.get((r["sidecar"], "healthz"))
    healthy = by.get(("healthy", r["workload"]))
    r["rps_vs_healthz"] = ratio(r["rps"], ceiling["rps"]) if ceiling else None
    r["rps_vs_healthy"] = ratio(r["rps"], healthy["rps"]) if healthy else None
    r["p99_vs_healthy"] = ratio(r["p99_ms"], healthy["p99_ms"]) if healthy else None

header = f"{'sidecar':8} {'workload':8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs healthz':>10} " \
         f"{'rps vs healthy':>14} {'p99 vs healthy':>14} {'errors':>6} {'backlog max/end':>15} {'drain s':>7}"
print(header)
print("-" * len(header))
for r in runs:
    fmt = lambda v: "-" if v is None else f"{v:.2f}"
    print(f"{r['sidecar']:8} {r['workload']:8} {r['rps']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
          f"{fmt(r['rps_vs_healthz']):>10} {fmt(r['rps_vs_healthy']):>14} {fmt(r['p99_vs_healthy']):>14} "
          f"{r['non_2xx'] + r['socket_errors']:6d} {str(r['backlog_max']) + '/' + str(r['backlog_end']):>15} "
          f"{fmt(r['drain_seconds']):>7}")

target = []
for w in ("create", "mixed"):
    for mode in ("down", "slow"):
        r = by.get((mode, w))
        if r and r["p99_vs_healthy"] is not None:
            ok = r["p99_vs_healthy"] <= 1.10
            target.append(f"{w} p99 with the sidecar {mode}: {r['p99_vs_healthy']:.2f}x healthy "
                          f"({'within' if ok else 'NOT within'} 10 %)")
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
       "settings": {k: v for k, v in vars(args).items() if k != "results"}, "runs": runs, "target": target}
os.makedirs("bench/results", exist_ok=True)
for path in (f"bench/results/{stamp}.json", "bench/results/latest.json"):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
print(f"written: bench/results/{stamp}.json")
