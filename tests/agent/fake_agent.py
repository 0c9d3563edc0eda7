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
                  (its command line carries a marker the test looks for)
  sleep [seconds] sleep, then edit
  secrets         print whether AIPM's secrets reached its environment, then edit
  snoop DIR PORT  try to steal: read the environ of its parent and of every
                  process it can see, list and read DIR (the server's data
                  dir), connect to 127.0.0.1:PORT directly and, when
                  HTTPS_PROXY is set, ask the proxy to CONNECT to it and to
                  example.invalid:443; write all it got to
                  loot.txt (committed with the change), print it base64 and
                  in pieces, then edit
  garbage         print invalid UTF-8, then more lines, then edit
  longline [MB]   edit, then print one line of MB megabytes (default 50)
                  with no newline at all
  accept R...     edit, and write .aipm/acceptance.json with one result per
                  R: `pass` or `fail` for the next test id TASK.md lists
                  (in order), or `ID=pass` / `ID=fail` for any id
  stream-json     edit, printing what it does as Claude Code's
                  `--output-format stream-json` does: a plan (TodoWrite),
                  the edit, a command, and a result with tokens and cost
  accept-raw KIND edit, and write a hostile .aipm/acceptance.json: `junk`
                  (not JSON), `extra` (an unknown field), `huge` (100 KiB),
                  `link` (a symbolic link to /etc/passwd)

The last `fake-agent:` line wins, so a follow-up's message (at the end of
TASK.md) decides what the next attempt does.

With no instruction it edits. Output has ANSI colours, as real agents do.
"""

import base64
import json
import os
import socket
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


def test_ids(task: str) -> list:
    """The acceptance test ids TASK.md lists: `**title** (test id N)`."""
    ids = []
    for line in task.splitlines():
        at = line.find("(test id ")
        if line.lstrip().startswith("- [ ]") and at >= 0:
            ids.append(int(line[at + len("(test id "):].split(")")[0]))
    return ids


def accept(task: str, results: list) -> None:
    ids = iter(test_ids(task))
    tests = []
    for r in results:
        if "=" in r:
            test_id, status = r.split("=", 1)
            test_id = int(test_id)
        else:
            test_id, status = next(ids), r
        tests.append({"id": test_id, "status": status, "evidence": f"tests/test_feature.py::test_{test_id} {status}ed"})
    with open(fresh_acceptance_file(), "w", encoding="utf-8") as f:
        json.dump({"version": 1, "tests": tests}, f, indent=2)
    print(f"recorded {len(tests)} acceptance result(s)", flush=True)


def fresh_acceptance_file() -> str:
    """The acceptance file's path, with what an earlier attempt left there
    removed (so a link it left is replaced, not written through)."""
    os.makedirs(".aipm", exist_ok=True)
    path = ".aipm/acceptance.json"
    if os.path.lexists(path):
        os.remove(path)
    return path


def accept_raw(kind: str) -> None:
    path = fresh_acceptance_file()
    if kind == "link":
        os.symlink("/etc/passwd", path)
        return
    with open(path, "w", encoding="utf-8") as f:
        if kind == "junk":
            f.write("{ this is not json")
        elif kind == "extra":
            json.dump({"version": 1, "tests": [], "approvedBy": "the agent"}, f)
        elif kind == "huge":
            f.write(json.dumps({"version": 1, "tests": []}) + " " * (100 * 1024))


def read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"<{type(e).__name__}>"


def snoop(data_dir: str, port: int) -> None:
    loot = [f"parent {os.getppid()} environ: {read(f'/proc/{os.getppid()}/environ')}"]
    for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
        loot.append(f"process {pid} environ: {read(f'/proc/{pid}/environ')}")
    try:
        for name in sorted(os.listdir(data_dir)):
            loot.append(f"data dir {name}: {read(os.path.join(data_dir, name))}")
    except OSError as e:
        loot.append(f"data dir: <{type(e).__name__}>")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
        loot.append(f"connect 127.0.0.1:{port}: connected")
    except OSError as e:
        loot.append(f"connect 127.0.0.1:{port}: failed ({type(e).__name__})")
    proxy = os.environ.get("HTTPS_PROXY", "")
    if proxy.startswith("http://"):
        host, _, proxy_port = proxy[len("http://"):].rstrip("/").partition(":")
        for target in (f"127.0.0.1:{port}", "example.invalid:443"):
            try:
                with socket.create_connection((host, int(proxy_port)), timeout=3) as s:
                    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
                    status = s.recv(1024).decode("latin-1").split("\r\n")[0]
            except OSError as e:
                status = f"failed ({type(e).__name__})"
            loot.append(f"proxy {target}: {status}")
    else:
        loot.append("proxy: none")
    text = "\n".join(loot)
    with open("loot.txt", "w", encoding="utf-8") as f:
        f.write(text)
    print(f"loot-base64: {base64.b64encode(text.encode()).decode()}", flush=True)
    # The same again in pieces of 5 characters, one a line.
    for at in range(0, len(text), 5):
        print(f"loot-piece: {text[at:at + 5]}", flush=True)
    print(text, flush=True)


def stream_json(task: str) -> None:
    def emit(event: dict) -> None:
        print(json.dumps(event), flush=True)

    def plan(*statuses: str) -> dict:
        steps = ["Read the story", "Write feature.txt", "Check the result"]
        todos = [{"content": c, "status": s, "activeForm": c} for c, s in zip(steps, statuses)]
        return {"type": "tool_use", "id": f"plan-{statuses}", "name": "TodoWrite", "input": {"todos": todos}}

    emit({"type": "system", "subtype": "init", "session_id": "fake", "tools": ["Edit", "Bash", "TodoWrite"]})
    emit({"type": "assistant", "message": {"content": [
        {"type": "text", "text": "I will implement the story in feature.txt."},
        plan("completed", "in_progress", "pending"),
    ]}})
    edit(task)
    emit({"type": "assistant", "message": {"content": [
        {"type": "tool_use", "id": "e1", "name": "Edit", "input": {"file_path": "feature.txt", "old_string": "", "new_string": "Implemented"}},
    ]}})
    emit({"type": "user", "message": {"content": [{"type": "tool_result", "tool_use_id": "e1", "content": "ok"}]}})
    emit({"type": "assistant", "message": {"content": [
        {"type": "tool_use", "id": "b1", "name": "Bash", "input": {"command": "cat feature.txt"}},
        plan("completed", "completed", "completed"),
    ]}})
    emit({"type": "result", "subtype": "success", "is_error": False, "num_turns": 4,
          "total_cost_usd": 0.0123, "usage": {"input_tokens": 2048, "output_tokens": 512}})


def main() -> int:
    task = read_task()
    print(f"\x1b[1mfake-agent\x1b[0m read a task of {len(task)} characters", flush=True)
    mode, arg, args = "edit", None, []
    for line in task.splitlines():
        if line.strip().startswith("fake-agent:"):
            words = line.split(":", 1)[1].split()
            mode = words[0] if words else "edit"
            arg = words[1] if len(words) > 1 else None
            args = words[1:]
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
        marker = f"fake-agent-child-{os.getpid()}-{time.time_ns()}"
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", marker])
        with open("agent-child.pid", "w", encoding="utf-8") as f:
            f.write(str(child.pid))
        print(f"working (child {marker})...", flush=True)
        while True:
            time.sleep(0.2)
    elif mode == "sleep":
        time.sleep(float(arg or 1))
        edit(task)
    elif mode == "secrets":
        leaked = sorted(k for k in os.environ if k.startswith("AIPM_") and k.endswith(("_TOKEN", "_KEY")))
        print(f"secrets seen: {leaked}", flush=True)
        edit(task)
    elif mode == "snoop":
        snoop(args[0], int(args[1]))
        edit(task)
    elif mode == "garbage":
        sys.stdout.buffer.write(b"bad bytes: \xff\xfe\xc3 here\n")
        sys.stdout.buffer.flush()
        for n in range(3):
            print(f"after the bad bytes {n}", flush=True)
        edit(task)
    elif mode == "longline":
        edit(task)
        chunk = b"x" * (1024 * 1024)
        for _ in range(int(arg or 50)):
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    elif mode == "accept":
        edit(task)
        accept(task, args)
    elif mode == "stream-json":
        stream_json(task)
    elif mode == "accept-raw":
        edit(task)
        accept_raw(arg or "junk")
    else:
        print(f"unknown mode {mode}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
