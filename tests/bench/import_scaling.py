"""Time POST /api/import of N root stories with descriptions of L bytes on
several running AIPMs, interleaved (one import on each in turn, per round).

Usage: python3 tests/bench/import_scaling.py ROUNDS N:L[,N:L...] NAME=URL [NAME=URL...]
Prints one Markdown row per size: median seconds per server and their ratio.
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse

WORDS = ("ledger invoice quarter region supplier refund audit forecast budget payroll "
         "margin tax export reconcile approval vendor").split()


def backlog(n: int, length: int, seed: int) -> bytes:
    stories = []
    for i in range(1, n + 1):
        # Different words per story, so the duplicate check has real work.
        w = [WORDS[(i * 7 + k * 3 + seed) % len(WORDS)] for k in range(6)]
        text = (f"Story {i} covers the {' '.join(w)} work of the finance team. " * 40)[:length]
        stories.append({
            "id": i,
            "title": f"Report {i}: {w[0]} {w[1]} for {w[2]}",
            "asA": "finance analyst",
            "iWant": f"to see the {w[3]} {w[4]} report {i}",
            "soThat": f"I reconcile the {w[5]} in 10 minutes",
            "description": text,
        })
    return json.dumps({"stories": stories}).encode()


def timed_import(url: str, body: bytes) -> float:
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=3600)
    start = time.perf_counter()
    conn.request("POST", "/api/import", body, {"content-type": "application/json"})
    res = conn.getresponse()
    data = res.read()
    took = time.perf_counter() - start
    if res.status != 201:
        raise SystemExit(f"import failed on {url}: {res.status} {data[:300]!r}")
    return took


def main() -> None:
    rounds = int(sys.argv[1])
    sizes = [tuple(int(x) for x in s.split(":")) for s in sys.argv[2].split(",")]
    servers = [a.split("=", 1) for a in sys.argv[3:]]
    names = [n for n, _ in servers]
    print("| stories × description | " + " | ".join(f"{n} (median s)" for n in names)
          + (f" | {names[0]} / {names[-1]} |" if len(names) > 1 else " |"))
    print("|---" * (len(names) + 1 + (len(names) > 1)) + "|")
    for n, length in sizes:
        times: dict[str, list[float]] = {name: [] for name in names}
        for r in range(rounds):
            body = backlog(n, length, r)
            order = servers if r % 2 == 0 else list(reversed(servers))
            for name, url in order:
                times[name].append(timed_import(url, body))
        med = [statistics.median(times[name]) for name in names]
        ratio = f" | {med[0] / med[-1]:.1f}×" if len(names) > 1 else ""
        print(f"| {n} × {length} B | " + " | ".join(f"{m:.2f}" for m in med) + ratio + " |", flush=True)


if __name__ == "__main__":
    main()
