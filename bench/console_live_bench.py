#!/usr/bin/python3
"""The console's live pages under load: `firedrill serve` runs a drill while PAGES console pages
follow it (server-sent events, each on its own connection with its own signed-in session, as a
browser tab would), and EVENTS acknowledgements are sent through the API.

    console_live_bench.py FIREDRILL_BIN [--pages 50] [--events 200] [--rate 20]

Prints the daemon's resident memory (VmRSS) and CPU time (user + system, from /proc) idle, with
the pages open, and after the events; and, over every page and event, how long from the event's
recorded time until the page's connection received it (p50, p99, max). Plain sockets stand in
for the browsers: a browser adds its own rendering, which the browser test measures.
"""
import argparse
import datetime
import json
import os
import re
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
from console_driver import Daemon, Failure  # noqa: E402

DRILL = "bench-live"


def proc_figures(pid):
    with open(f"/proc/{pid}/status") as f:
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return rss / 1024, cpu


def sign_in(port, token, name):
    body = urllib.parse.urlencode({"token": token, "name": name}).encode()
    conn = socket.create_connection(("127.0.0.1", port))
    conn.sendall(b"POST /console/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                 str(len(body)).encode() + b"\r\n\r\n" + body)
    answer = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        answer += chunk
    conn.close()
    cookie = re.search(rb"Set-Cookie: (firedrill_session=[0-9a-f]+)", answer)
    if not cookie:
        sys.exit(f"sign-in failed: {answer[:300]!r}")
    return cookie.group(1).decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("firedrill")
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--rate", type=float, default=20, help="events per second")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="console-live-bench-")
    state = os.path.join(work, "state")
    marker = os.path.join(work, "in-place")
    tok = subprocess.run([a.firedrill, "token", "create", "--role", "responder", "--state",
                          state], capture_output=True, text=True, check=True).stdout.strip()
    serve = Daemon(a.firedrill, state, os.path.join(work, "serve.log"))
    try:
        port = serve.wait_until_serving(60).port
        start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=3)
        end = start + datetime.timedelta(minutes=30)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        drill = os.path.join(work, "drill.toml")
        with open(drill, "w") as f:
            f.write(f'''id = "{DRILL}"
title = "Live pages under load"
service = "bench"
owner = "lead@example.com"
playbook = "runbook.md"
[window]
start = {start.strftime(fmt)}
end = {end.strftime(fmt)}
zone = "UTC"
[targets.here]
local = true
[[faults]]
id = "marker"
kind = "command"
target = "here"
inject = "touch '{marker}'"
check = "test -f '{marker}'"
restore = "rm -f '{marker}'"
''')
        subprocess.run([a.firedrill, "schedule", drill, "--state", state, "--override-lead",
                        "a benchmark drill opens seconds after it is written"], check=True,
                       capture_output=True)
        serve.wait_for("T0: marker in place", 60)
        rss0, cpu0 = proc_figures(serve.pid)

        pages = []
        for i in range(a.pages):
            cookie = sign_in(port, tok, f"page-{i}")
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(f"GET /console/drills/{DRILL}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Cookie: {cookie}\r\n\r\n".encode())
            s.setblocking(False)
            pages.append({"sock": s, "buf": b"", "seen": {}})
        poller = select.poll()
        by_fd = {p["sock"].fileno(): p for p in pages}
        for fd in by_fd:
            poller.register(fd, select.POLLIN)

        def pump(timeout_ms):
            for fd, _ in poller.poll(timeout_ms):
                p = by_fd[fd]
                try:
                    chunk = p["sock"].recv(1 << 20)
                except BlockingIOError:
                    continue
                now = time.time() * 1000
                p["buf"] += chunk
                for m in re.finditer(rb"flood-(\d+)", p["buf"]):
                    p["seen"].setdefault(int(m.group(1)), now)
                # Keep only the tail that may hold a marker cut in two.
                p["buf"] = p["buf"][-64:]

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(not p["buf"] for p in pages):
            pump(100)
        rss1, cpu1 = proc_figures(serve.pid)

        recorded = {}
        auth = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
        interval = 1.0 / a.rate
        next_at = time.monotonic()
        for i in range(a.events):
            body = json.dumps({"what": "detected", "by": "bench", "note": f"flood-{i}"}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/drills/{DRILL}/ack",
                                         data=body, headers=auth, method="POST")
            with urllib.request.urlopen(req, timeout=30) as r:
                at = json.loads(r.read())["recorded_at"]
            t = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ")
            recorded[i] = t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000
            next_at += interval
            while time.monotonic() < next_at:
                pump(max(0, int((next_at - time.monotonic()) * 1000)))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(len(p["seen"]) < a.events for p in pages):
            pump(100)
        rss2, cpu2 = proc_figures(serve.pid)
        latencies = sorted(p["seen"][i] - recorded[i] for p in pages for i in p["seen"])
        missing = sum(a.events - len(p["seen"]) for p in pages)
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        print(f"console live pages: {a.pages} pages following one running drill, {a.events} "
              f"events at {a.rate:g}/s; load average {os.getloadavg()[0]:.2f}")
        print(f"  daemon RSS   idle {rss0:.1f} MiB   with the pages {rss1:.1f} MiB   after the "
              f"events {rss2:.1f} MiB")
        print(f"  daemon CPU   opening the pages {cpu1 - cpu0:.2f} s   during the events "
              f"{cpu2 - cpu1:.2f} s ({(cpu2 - cpu1) / (a.events / a.rate) * 100:.1f}% of one "
              f"core over {a.events / a.rate:.0f} s)")
        print(f"  recorded -> received by the page ({len(latencies)} deliveries): p50 "
              f"{statistics.median(latencies):.1f} ms   p99 {p99:.1f} ms   max "
              f"{latencies[-1]:.1f} ms   missing {missing}")
        for p in pages:
            p["sock"].close()
    except Failure as e:
        sys.exit(f"{e}\n{serve.report()}")
    finally:
        serve.stop()


if __name__ == "__main__":
    main()
