"""GET /api/stories side by side on several running AIPMs, interleaved.

Each server first imports the same backlog: N stories in a 5-level tree, each
with 2 acceptance tests (one Then step without an observable outcome) and 3
tasks. Then ROUNDS rounds, one GET on each server in turn (order alternating).

Usage: python3 tests/bench/reads_compare.py N ROUNDS NAME=URL [NAME=URL...]

A URL may carry a query for the reads (`http://127.0.0.1:8080/?view=summary`
reads `/api/stories?view=summary`) and, after `#`, the server's process id:
the table then has its peak RSS (VmHWM) over the rounds (reset after the
import through /proc/PID/clear_refs), and after the table
each server's answer is read once more gzipped (`Accept-Encoding: gzip`) for
its compressed size. With READS_ONLY=1 the servers are not sent the import
(they were restarted on data directories that hold it): the peak RSS is then
that of the reads alone in a fresh process.
"""

import os

import http.client
import json
import statistics
import sys
import time
import urllib.parse


def backlog(total: int) -> bytes:
    sizes = [max(total // 1000, 1), max(total * 9 // 1000, 1), max(total * 9 // 100, 1), max(total * 3 // 10, 1)]
    sizes.append(total - sum(sizes))
    stories, tests, tasks, previous, n = [], [], [], [], 0
    for size in sizes:
        level = []
        for i in range(size):
            n += 1
            stories.append({
                "id": n, "title": f"Story {n}: export the monthly report",
                "asA": "finance analyst", "iWant": f"to export monthly report {n} as CSV",
                "soThat": "I reconcile accounts in 10 minutes",
                "description": "Benchmark story with a realistic amount of text.",
                "storyPoint": 3, "parentId": previous[i % len(previous)] if previous else None,
            })
            for k in range(2):
                tests.append({"id": f"{n}-{k}", "storyId": n,
                              "given": ["a signed-in analyst with 3 months of data"],
                              "when": ["they export the report"],
                              "then": ["the file has 3 rows", "it works well"]})
            for k in range(3):
                tasks.append({"id": f"{n}-{k}", "storyId": n, "title": f"Task {k} of story {n}",
                              "assigneeEmail": "dev@example.com"})
            level.append(n)
        previous = level
    return json.dumps({"stories": stories, "acceptanceTests": tests, "tasks": tasks}).encode()


def request(url: str, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None) -> tuple[float, int]:
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=3600)
    start = time.perf_counter()
    conn.request(method, path, body, {"content-type": "application/json", **(headers or {})})
    res = conn.getresponse()
    data = res.read()
    took = time.perf_counter() - start
    if res.status >= 300:
        raise SystemExit(f"{method} {path} failed on {url}: {res.status} {data[:300]!r}")
    return took, len(data)


def main() -> None:
    total, rounds = int(sys.argv[1]), int(sys.argv[2])
    servers, pids, paths = [], {}, {}
    for arg in sys.argv[3:]:
        name, url = arg.split("=", 1)
        url, _, pid = url.partition("#")
        query = urllib.parse.urlparse(url).query
        servers.append((name, url))
        pids[name] = pid
        paths[name] = "/api/stories" + (f"?{query}" if query else "")
    body = backlog(total)
    for name, url in servers:
        if os.environ.get("READS_ONLY") != "1":
            request(url, "POST", "/api/import", body)
        # Peak RSS from here on: the reads', not the import's.
        if pids[name]:
            with open(f"/proc/{pids[name]}/clear_refs", "w") as f:
                f.write("5")
    times: dict[str, list[float]] = {n: [] for n, _ in servers}
    size: dict[str, int] = {}
    for r in range(rounds):
        for name, url in servers if r % 2 == 0 else list(reversed(servers)):
            t, b = request(url, "GET", paths[name])
            times[name].append(t)
            size[name] = b
    rss = {n: vm_hwm(p) for n, p in pids.items()}
    gz = {n: request(url, "GET", paths[n], headers={"accept-encoding": "gzip"})[1]
          for n, url in servers}
    print("| server | stories | median | p99 | bytes | gzip bytes | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for name, _ in servers:
        ts = sorted(times[name])
        p99 = ts[min(len(ts) - 1, int(len(ts) * 0.99))]
        print(f"| {name} | {total} | {statistics.median(ts) * 1000:.0f} ms | {p99 * 1000:.0f} ms"
              f" | {size[name]} | {gz[name]} | {rss[name]} |")


def vm_hwm(pid: str) -> str:
    if not pid:
        return "—"
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return f"{int(line.split()[1]) / 1024:.0f} MiB"
    return "—"


if __name__ == "__main__":
    main()
