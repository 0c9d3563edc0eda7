"""Seed a running AIPM with N stories in a 5-level tree through its API.

Usage: python3 tests/bench/seed_stories.py BASE_URL N
"""

import http.client
import json
import sys
import urllib.parse


def main() -> None:
    base, total = sys.argv[1], int(sys.argv[2])
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    sizes = [max(total // 1000, 1), max(total * 9 // 1000, 1), max(total * 9 // 100, 1), max(total * 3 // 10, 1)]
    sizes.append(total - sum(sizes))
    previous: list[int] = []
    n = 0
    for size in sizes:
        level = []
        for i in range(size):
            body = {
                "title": f"Story {n}: export the monthly report",
                "asA": "finance analyst",
                "iWant": "to export the monthly report as CSV",
                "soThat": "I reconcile accounts in 10 minutes",
                "description": "Benchmark story with a realistic amount of text.",
                "storyPoint": 3,
                "components": ["WorkModel"],
                "parentId": previous[i % len(previous)] if previous else None,
                "acceptWarnings": True,
            }
            conn.request("POST", "/api/stories", json.dumps(body), {"content-type": "application/json"})
            res = conn.getresponse()
            data = res.read()
            if res.status != 201:
                raise SystemExit(f"seeding failed: {res.status} {data[:300]!r}")
            level.append(json.loads(data)["id"])
            n += 1
        previous = level
    print(f"seeded {n} stories", file=sys.stderr)


if __name__ == "__main__":
    main()
