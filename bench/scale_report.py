#!/usr/bin/env python3
"""bench-scale's report: the table of bench/scale.py's figures and the 10 M-row outbox's
delivery rate (bench/backlog.sh's windows without a scraper); writes scale-<when>.json."""
import argparse
import json
import os
import sys


def mib(b):
    return "%.1f MiB" % (b / 1048576)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", required=True)
    p.add_argument("--backlog")
    p.add_argument("--since", help="the backlog result must be from this run (its `when` not older)")
    p.add_argument("--out-dir", required=True)
    a = p.parse_args()
    result = json.load(open(a.scale))
    if a.backlog:
        b = json.load(open(a.backlog)) if os.path.exists(a.backlog) else None
        if not b or (a.since and b["when"] < a.since):
            sys.exit("bench-scale: bench/backlog.sh wrote no result in this run (see bench/.work-scale/backlog.out)")
        rates = [w["events_per_s"] for w in b["windows"] if not w["scraper"]]  # without a scraper
        result["outbox"] = {"rows": b["context"]["rows"], "lanes": b["context"]["lanes"],
                            "delivery_events_per_s": rates, "backlog_result": "backlog-%s.json" % b["when"],
                            "publish_requests": b["context"]["sink"]}
    when = result.get("when") or (json.load(open(a.backlog))["when"] if a.backlog else "unknown")
    result.setdefault("when", when)
    rows = []
    if "users" in result:
        u = result["users"]
        rows += [("users: live user actors", "%d (of %d users, %d tasks each)" % (u["live_actors"], u["users"],
                                                                                 u["tasks_per_user"])),
                 ("users: RSS at start / all live / all passivated / all back",
                  " / ".join(mib(u[k]) for k in ["rss_start_bytes", "rss_live_bytes", "rss_passivated_bytes",
                                                 "rss_again_bytes"])),
                 ("users: memory per live user actor", "%d bytes" % u["bytes_per_live_actor"]),
                 ("users: creates/s (first pass)", str(u["creates"][0]["per_second"]))]
    if "list" in result:
        s = result["list"]
        for kind in ["limit_100", "limit_1000", "completed_true_limit_100", "offset_deep_limit_100"]:
            k = s[kind]
            rows.append(("list of %d tasks: %s (p50 / p99 / max ms)" % (s["tasks"], kind),
                         "%s / %s / %s%s" % (k["p50_ms"], k["p99_ms"], k["max_ms"],
                                             " over %d pages" % k["pages"] if "pages" in k else "")))
    if "e2e" in result:
        for mode, e in result["e2e"].items():
            rows.append(("daprd + Kafka, %s publish: events/s (events, requests)" % mode,
                         "%d (%d, %s)%s" % (e["events_per_second"], e["events"], e["publish_requests"],
                                            "" if e["all_arrived"] else " NOT ALL IN KAFKA")))
    if "outbox" in result:
        o = result["outbox"]
        rows.append(("outbox of %d rows: delivery events/s (windows)" % o["rows"],
                     ", ".join("%.0f" % r for r in o["delivery_events_per_s"])))
    width = max(len(r[0]) for r in rows) if rows else 0
    for name, value in rows:
        print(f"{name:{width}}  {value}")
    for name in ["scale-%s.json" % result["when"], "scale-latest.json"]:
        json.dump(result, open(os.path.join(a.out_dir, name), "w"), indent=2)
    bad = [m for m, e in result.get("e2e", {}).items() if not e["all_arrived"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
