#!/usr/bin/env python3
"""make bench-scale: taskd's figures at scale (issue 13), not part of `make test`.

Parts (BENCH_SCALE_PARTS, comma-separated; all by default):
  users  USERS users with TASKS_PER_USER tasks each, created over the API: taskd's resident memory
         at start, with every user's actor live (memory per live user actor, the tasks_user_actors
         gauge confirming how many are live), and once every actor has passivated.
  list   one user with LIST_TASKS tasks (one in ten completed): every keyset page walked with
         limit=100 and limit=1000, the completed=true pages (sparse matches), and offset pages
         deep in the list: latency p50/p99/max per kind.
  e2e    the real daprd + Kafka of stack/ (its own ports and state dir): E2E_TASKS creates with a
         due date (three events each) committed with the publishers paused, then resumed; the
         delivery rate until the outbox is empty, with TASKS_PUBLISH_MODE=single and =bulk; the
         Kafka end offsets confirm every event arrived.
The 10 M-row outbox (fetch and delivery rate) is bench/backlog.sh's (run by bench/scale.sh).

Loopback only, bounded in count and time. Prints a table, writes one JSON document (--out).
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "bench-scale-secret-0123456789abcdef0123456789abcdef"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(what, deadline_s, check, every=0.05):
    """Polls check() until it returns a true value; fails the run past the deadline."""
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise SystemExit("bench-scale: timed out waiting for " + what)
        time.sleep(every)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(user, ttl=86400):
    """An HS256 token as `taskctl token` makes it (exp, iat, sub), minted here: 100 k processes
    of taskctl would take minutes."""
    now = int(time.time())
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64(json.dumps({"exp": now + ttl, "iat": now, "sub": user}, separators=(",", ":")).encode())
    sig = b64(hmac.new(SECRET.encode(), (head + "." + body).encode(), hashlib.sha256).digest())
    return head + "." + body + "." + sig


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 2)


def latency_summary(ms):
    return {"n": len(ms), "p50_ms": percentile(ms, 0.50), "p99_ms": percentile(ms, 0.99),
            "max_ms": round(max(ms), 2) if ms else None}


class Taskd:
    """A taskd process on a SQLite file, dev logging off; stopped with SIGTERM."""

    def __init__(self, bin_dir, work, name, env):
        self.port, self.admin_port = free_port(), free_port()
        self.db = os.path.join(work, name + ".db")
        full = dict(os.environ, TASKS_HTTP_ADDR="127.0.0.1:%d" % self.port,
                    TASKS_ADMIN_ADDR="127.0.0.1:%d" % self.admin_port, TASKS_DB="sqlite:" + self.db,
                    TASKS_JWT_SECRET=SECRET, TASKS_LOG_LEVEL="warn")
        full.update(env)
        self.log = open(os.path.join(work, name + ".taskd.log"), "w")
        self.proc = subprocess.Popen([os.path.join(bin_dir, "taskd")], env=full, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_until("taskd /readyz", 60, lambda: self.get("/readyz", admin=False)[0] == 200, 0.1)

    def get(self, path, admin=True):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.admin_port if admin else self.port, timeout=30)
            conn.request("GET", path)
            answer = conn.getresponse()
            return answer.status, answer.read()
        except OSError:
            return 0, b""

    def post_admin(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=30)
        conn.request("POST", path)
        answer = conn.getresponse()
        answer.read()
        if answer.status >= 300:
            raise SystemExit("bench-scale: POST %s answered %d" % (path, answer.status))

    def metric(self, name):
        """The metric's value, summed over its label sets (None when it is not there)."""
        status, text = self.get("/metrics")
        values = [float(line.rsplit(" ", 1)[1]) for line in text.decode().splitlines()
                  if line.startswith(name + " ") or line.startswith(name + "{")]
        return sum(values) if values else None

    def rss_bytes(self):
        for line in open("/proc/%d/status" % self.proc.pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def outbox_rows(self):
        try:
            db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=5)
            try:
                return db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error:
            return -1

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def run_requests(port, jobs, connections, keep_latency=False):
    """Sends jobs [(method, path, token, body)] over `connections` keep-alive connections; returns
    the statuses by code and (when asked) every request's latency in ms."""
    statuses, latencies, errors = {}, [], []
    lock = threading.Lock()
    shares = [jobs[i::connections] for i in range(connections)]

    def work(share):
        local, lat = {}, []
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=float(os.environ.get("SCALE_CLIENT_TIMEOUT", "120")))
            for method, path, tok, body in share:
                headers = {"Authorization": "Bearer " + tok}
                if body is not None:
                    headers["Content-Type"] = "application/json"
                began = time.monotonic()
                conn.request(method, path, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                if keep_latency:
                    lat.append((time.monotonic() - began) * 1000)
                local[answer.status] = local.get(answer.status, 0) + 1
        except Exception as e:  # reported; the run fails
            with lock:
                errors.append(repr(e))
        with lock:
            for k, v in local.items():
                statuses[str(k)] = statuses.get(str(k), 0) + v
            latencies.extend(lat)

    threads = [threading.Thread(target=work, args=(s,), daemon=True) for s in shares]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - began
    if errors:
        raise SystemExit("bench-scale: request errors: %s" % errors[:3])
    return {"requests": len(jobs), "by_status": statuses, "seconds": round(seconds, 2),
            "per_second": round(len(jobs) / seconds, 1)}, latencies


def _run_share(args):
    return run_requests(*args)


def run_requests_parallel(port, jobs, connections, processes=2):
    """run_requests over several client processes: one Python process tops out near 1 k requests a
    second (the GIL), below what taskd answers."""
    import multiprocessing
    shares = [jobs[i::processes] for i in range(processes)]
    began = time.monotonic()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_run_share, [(port, share, max(1, connections // processes)) for share in shares])
    seconds = time.monotonic() - began
    statuses = {}
    for part, _ in parts:
        for k, v in part["by_status"].items():
            statuses[k] = statuses.get(k, 0) + v
    return {"requests": len(jobs), "by_status": statuses, "seconds": round(seconds, 2),
            "per_second": round(len(jobs) / seconds, 1)}


def create_body(n, due=False):
    body = {"title": "scale task %d" % n, "description": "bench-scale"}
    if due:
        body["due_date"] = "2030-01-01T09:00:00Z"
    return json.dumps(body)


def expect_all(result, status, what):
    if result["by_status"].get(str(status), 0) != result["requests"]:
        raise SystemExit("bench-scale: %s: not every answer was %d: %s" % (what, status, result["by_status"]))


def part_users(a, work):
    idle_s = a.idle_timeout
    taskd = Taskd(a.bin, work, "users", {"TASKS_USER_IDLE_TIMEOUT": "%ds" % idle_s,
                                         "DAPR_HTTP_ENDPOINT": "http://127.0.0.1:%d" % a.sink_port})
    try:
        tokens = [token("scale-user-%d" % u) for u in range(a.users)]
        rss_start = taskd.rss_bytes()
        passes = []
        for k in range(a.tasks_per_user):
            jobs = [("POST", "/api/v1/tasks", tokens[u], create_body(k)) for u in range(a.users)]
            result = run_requests_parallel(taskd.port, jobs, a.connections)
            expect_all(result, 201, "creates")
            passes.append(result)
        live = taskd.metric("tasks_user_actors")
        rss_live = taskd.rss_bytes()
        # Every actor passivates once idle for idle_s; the gauge's path down is kept, and a count
        # that never reaches zero is reported (not waited for forever).
        began, path = time.monotonic(), []
        while time.monotonic() - began < idle_s + 120:
            path.append((round(time.monotonic() - began), taskd.metric("tasks_user_actors")))
            if path[-1][1] == 0:
                break
            time.sleep(2)
        rss_passivated = taskd.rss_bytes()
        # Every user again: the actors come back, and the memory freed by passivation is reused.
        jobs = [("GET", "/api/v1/tasks?limit=10", tokens[u], None) for u in range(a.users)]
        again = run_requests_parallel(taskd.port, jobs, a.connections)
        expect_all(again, 200, "lists")
        rss_again = taskd.rss_bytes()
        live_again = taskd.metric("tasks_user_actors")
    finally:
        taskd.stop()
    per_actor = (rss_live - rss_start) / live if live else None
    return {"users": a.users, "tasks_per_user": a.tasks_per_user, "idle_timeout_s": idle_s,
            "creates": passes, "rss_start_bytes": rss_start, "rss_live_bytes": rss_live, "live_actors": live,
            "bytes_per_live_actor": round(per_actor) if per_actor else None,
            "passivation_path": path, "all_passivated": path[-1][1] == 0, "rss_passivated_bytes": rss_passivated,
            "lists_after_passivation": again, "live_actors_again": live_again, "rss_again_bytes": rss_again}


def walk_pages(port, tok, query):
    """Follows X-Next-Cursor from the first page to the last; latency of each page, tasks seen."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    path, latencies, seen = "/api/v1/tasks?" + query, [], 0
    while path:
        began = time.monotonic()
        conn.request("GET", path, headers={"Authorization": "Bearer " + tok})
        answer = conn.getresponse()
        body = answer.read()
        latencies.append((time.monotonic() - began) * 1000)
        if answer.status != 200:
            raise SystemExit("bench-scale: list %s answered %d" % (path, answer.status))
        page = json.loads(body)
        seen += len(page["tasks"] if isinstance(page, dict) else page)
        cursor = answer.getheader("X-Next-Cursor")
        path = "/api/v1/tasks?%s&after=%s" % (query, cursor) if cursor else None
    return latencies, seen


def part_list(a, work):
    taskd = Taskd(a.bin, work, "list", {"TASKS_MAX_TASKS_PER_USER": str(a.list_tasks + 1000),
                                        "DAPR_HTTP_ENDPOINT": "http://127.0.0.1:%d" % a.sink_port})
    try:
        tok = token("scale-list-user")
        jobs = [("POST", "/api/v1/tasks", tok, create_body(n)) for n in range(a.list_tasks)]
        created = run_requests_parallel(taskd.port, jobs, a.connections)
        expect_all(created, 201, "creates of one user")
        ids = []
        conn = http.client.HTTPConnection("127.0.0.1", taskd.port, timeout=60)
        path = "/api/v1/tasks?limit=1000"
        while path:  # the ids, to complete one in ten
            conn.request("GET", path, headers={"Authorization": "Bearer " + tok})
            answer = conn.getresponse()
            page = json.loads(answer.read())
            tasks = page["tasks"] if isinstance(page, dict) else page
            ids += [t["id"] for t in tasks]
            cursor = answer.getheader("X-Next-Cursor")
            path = "/api/v1/tasks?limit=1000&after=%s" % cursor if cursor else None
        jobs = [("POST", "/api/v1/tasks/%s/complete" % i, tok, None) for i in ids[::10]]
        completed, _ = run_requests(taskd.port, jobs, 4)
        expect_all(completed, 200, "completes")
        out = {"tasks": a.list_tasks, "creates": created, "completes": completed}
        for name, query in [("limit_100", "limit=100"), ("limit_1000", "limit=1000"),
                            ("completed_true_limit_100", "completed=true&limit=100")]:
            latencies, seen = walk_pages(taskd.port, tok, query)
            out[name] = dict(latency_summary(latencies), pages=len(latencies), tasks_seen=seen)
        deep = [("GET", "/api/v1/tasks?limit=100&offset=%d" % (a.list_tasks - 100 - 97 * k), tok, None)
                for k in range(50)]
        _, latencies = run_requests(taskd.port, deep, 1, keep_latency=True)
        out["offset_deep_limit_100"] = latency_summary(latencies)
    finally:
        taskd.stop()
    return out


def kafka_end_offsets(bootstrap, topic):
    """The sum of the topic's partitions' end offsets (kcat -Q with the end-of-log time -1)."""
    text = subprocess.run(["kcat", "-b", bootstrap, "-Q", "-t", "%s:0:-1" % topic, "-t", "%s:1:-1" % topic,
                           "-t", "%s:2:-1" % topic], capture_output=True, text=True, timeout=30).stdout
    return sum(int(m) for m in re.findall(r"offset (\d+)", text))


def part_e2e(a, work):
    env = dict(os.environ, STACK_STATE_DIR=os.path.join(work, "stack"), STACK_KAFKA_PORT=str(a.kafka_port),
               STACK_KAFKA_CONTROLLER_PORT=str(a.kafka_port + 1), STACK_DAPR_HTTP_PORT=str(a.dapr_port),
               STACK_DAPR_GRPC_PORT=str(a.dapr_port + 1), STACK_DAPR_INTERNAL_GRPC_PORT=str(a.dapr_port + 2),
               STACK_DAPR_METRICS_PORT=str(a.dapr_port + 3))
    bootstrap = "127.0.0.1:%d" % a.kafka_port
    topics = ["task-events", "task-updates", "reminders"]
    subprocess.run([os.path.join(ROOT, "stack", "up.sh")], env=env, check=True, stdout=subprocess.DEVNULL)
    out = {}
    try:
        for mode in ["single", "bulk"]:
            taskd = Taskd(a.bin, work, "e2e-" + mode, {"TASKS_PUBLISH_MODE": mode,
                                                       "DAPR_HTTP_ENDPOINT": "http://127.0.0.1:%d" % a.dapr_port})
            try:
                for t in topics:
                    taskd.post_admin("/admin/publishers/%s/pause" % t)
                before = {t: kafka_end_offsets(bootstrap, t) for t in topics}
                tokens = [token("e2e-user-%d" % u) for u in range(100)]
                jobs = [("POST", "/api/v1/tasks", tokens[n % 100], create_body(n, due=True)) for n in range(a.e2e_tasks)]
                created = run_requests_parallel(taskd.port, jobs, a.connections)
                expect_all(created, 201, "creates")
                events = taskd.outbox_rows()
                began = time.monotonic()
                for t in topics:
                    taskd.post_admin("/admin/publishers/%s/resume" % t)
                wait_until("the outbox to drain (%s)" % mode, 600, lambda: taskd.outbox_rows() == 0, 0.02)
                seconds = time.monotonic() - began
                arrived = {t: kafka_end_offsets(bootstrap, t) - before[t] for t in topics}
                requests = taskd.metric("tasks_publish_requests_total")
            finally:
                taskd.stop()
            out[mode] = {"events": events, "seconds": round(seconds, 2), "events_per_second": round(events / seconds),
                         "arrived_in_kafka": arrived, "all_arrived": sum(arrived.values()) == events,
                         "publish_requests": requests}
    finally:
        subprocess.run([os.path.join(ROOT, "stack", "down.sh"), "--purge"], env=env, stdout=subprocess.DEVNULL)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--parts", default="users,list,e2e")
    p.add_argument("--users", type=int, default=100000)
    p.add_argument("--tasks-per-user", type=int, default=1)
    p.add_argument("--idle-timeout", type=int, default=180,
                   help="TASKS_USER_IDLE_TIMEOUT of the users part, s: longer than creating every user takes")
    p.add_argument("--list-tasks", type=int, default=50000)
    p.add_argument("--e2e-tasks", type=int, default=10000)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--sink-port", type=int, required=True, help="the bench sink (a healthy sidecar)")
    p.add_argument("--kafka-port", type=int, default=29092)
    p.add_argument("--dapr-port", type=int, default=23500)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench-scale-", dir=os.path.join(ROOT, "bench"))
    result = {"when": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), "cpus": os.cpu_count()}
    try:
        for part in a.parts.split(","):
            print("== bench-scale: %s" % part, file=sys.stderr, flush=True)
            result[part] = {"users": part_users, "list": part_list, "e2e": part_e2e}[part](a, work)
        shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        print("bench-scale: failed; taskd's logs are in " + work, file=sys.stderr)
        raise
    json.dump(result, open(a.out, "w"), indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
