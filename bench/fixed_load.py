#!/usr/bin/env python3
"""A fixed, repeatable workload for the instruction counts (bench/instructions.sh).

wrk runs for a time, so the work it does depends on the machine; this sends exactly COUNT
requests over CONNECTIONS keep-alive connections (a thread each) and checks every answer, so a
count of instructions divided by COUNT is a cost per request that does not depend on speed.

Workloads (as in bench/lua/): healthz, create, mixed (create 30 %, get 20 %, patch 20 %,
complete 15 %, delete 15 %; each connection uses the tasks it created, seeded, so every run makes
the same requests). Prints one JSON line: requests, by status, seconds.
"""
import argparse
import http.client
import json
import random
import sys
import threading
import time


def load_tokens(path):
    out = []
    for line in open(path):
        user, token = line.split()
        out.append((user, token))
    return out


class Worker(threading.Thread):
    def __init__(self, index, port, workload, count, tokens):
        super().__init__(daemon=True)
        self.index, self.port, self.workload, self.count, self.tokens = index, port, workload, count, tokens
        self.statuses = {}
        self.error = None

    def call(self, conn, method, path, token=None, body=None):
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
        return answer.status, data

    def run(self):
        rng = random.Random(self.index)
        known = []  # (task id, token)
        create_body = json.dumps({"title": "benchmark task", "description": "created by the fixed load",
                                  "due_date": "2030-01-01T09:00:00Z"})
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            for n in range(self.count):
                if self.workload == "healthz":
                    self.call(conn, "GET", "/healthz")
                    continue
                user_token = self.tokens[(self.index * 7919 + n) % len(self.tokens)][1]
                roll = rng.randrange(100) + 1 if self.workload == "mixed" else 1
                if roll <= 30 or not known:
                    status, data = self.call(conn, "POST", "/api/v1/tasks", user_token, create_body)
                    if status == 201 and self.workload == "mixed":
                        known.append((json.loads(data)["id"], user_token))
                    continue
                i = rng.randrange(len(known))
                task_id, token = known[i]
                path = "/api/v1/tasks/" + task_id
                if roll <= 50:
                    self.call(conn, "GET", path, token)
                elif roll <= 70:
                    self.call(conn, "PATCH", path, token, json.dumps({"title": "patched %d" % n}))
                elif roll <= 85:
                    self.call(conn, "POST", path + "/complete", token)
                else:
                    known[i] = known[-1]
                    known.pop()
                    self.call(conn, "DELETE", path, token)
        except Exception as e:  # reported, and the run fails
            self.error = repr(e)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--workload", choices=["healthz", "create", "mixed"], required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--tokens", required=True)
    a = p.parse_args()
    tokens = load_tokens(a.tokens)
    share = [a.count // a.connections + (1 if i < a.count % a.connections else 0) for i in range(a.connections)]
    workers = [Worker(i, a.port, a.workload, share[i], tokens) for i in range(a.connections)]
    began = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    statuses = {}
    for w in workers:
        for s, n in w.statuses.items():
            statuses[str(s)] = statuses.get(str(s), 0) + n
    errors = [w.error for w in workers if w.error]
    print(json.dumps({"requests": sum(statuses.values()), "by_status": statuses,
                      "seconds": round(time.monotonic() - began, 3), "errors": errors}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
