#!/usr/bin/env python3
"""A scripted stand-in for a coding agent CLI, for AIPM's tests.

It is a real process that reads its task (the TASK.md path as its first
argument, or the task on stdin) and does what the task's extra instructions
say on a line `fake-agent: <mode> [arg]`:

  edit            write feature.txt in the working directory, exit 0
  commit          write feature.txt and commit it itself, exit 0
  noop            change nothing, exit 0
  fail [code]     print an error, exit with code (default 3)
  hang            print, then sleep forever with a child process of its own
  sleep [seconds] sleep, then edit
  secrets         print whether AIPM's secrets reached its environment, then edit

With no instruction it edits. Output has ANSI colours, as real agents do.
"""

import os
import subprocess
import sys
import time


def read_task() -> str:
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as f:
            return f.read()
    return sys.stdin.read()


def edit(task: str) -> None:
    title = next((l[2:].strip() for l in task.splitlines() if l.startswith("# ")), "the story")
    with open("feature.txt", "a", encoding="utf-8") as f:
        f.write(f"Implemented: {title}\n")
    print("\x1b[32m✔\x1b[0m wrote feature.txt", flush=True)


def main() -> int:
    task = read_task()
    print(f"\x1b[1mfake-agent\x1b[0m read a task of {len(task)} characters", flush=True)
    mode, arg = "edit", None
    for line in task.splitlines():
        if line.strip().startswith("fake-agent:"):
            words = line.split(":", 1)[1].split()
            mode = words[0] if words else "edit"
            arg = words[1] if len(words) > 1 else None
    print(f"mode: {mode}", flush=True)
    if mode == "edit":
        edit(task)
    elif mode == "commit":
        edit(task)
        subprocess.run(["git", "add", "feature.txt"], check=True)
        subprocess.run(
            ["git", "-c", "user.name=Fake Agent", "-c", "user.email=agent@example.com", "commit", "-q", "-m", "Implement the story"],
            check=True,
        )
    elif mode == "noop":
        print("nothing to do", flush=True)
    elif mode == "fail":
        print("error: the fake agent was told to fail", file=sys.stderr, flush=True)
        return int(arg or 3)
    elif mode == "hang":
        # A child in the same process group: cancel must stop it too.
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        with open("agent-child.pid", "w", encoding="utf-8") as f:
            f.write(str(child.pid))
        print(f"working (child {child.pid})...", flush=True)
        while True:
            time.sleep(0.2)
    elif mode == "sleep":
        time.sleep(float(arg or 1))
        edit(task)
    elif mode == "secrets":
        leaked = sorted(k for k in os.environ if k.startswith("AIPM_") and k.endswith(("_TOKEN", "_KEY")))
        print(f"secrets seen: {leaked}", flush=True)
        edit(task)
    else:
        print(f"unknown mode {mode}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
