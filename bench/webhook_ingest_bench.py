#!/usr/bin/python3
"""Alert webhook ingest: how many Alertmanager deliveries per second `firedrill serve` takes in,
and how fast it answers them, measured with wrk.

Starts `firedrill serve` on a fresh temporary state directory with an alert token, then runs
`wrk -t2 -c32 -d15s --latency` POSTing a realistic Alertmanager v4 payload (two firing alerts,
labels, annotations, startsAt, fingerprint) to /v1/alerts/alertmanager with the bearer token.
Round after round it prints requests/s, p50/p90/p99 latency, the responses that were not 2xx
(must be 0) and the daemon's resident memory (VmRSS) before and after the round, and checks the
daemon's own count of accepted deliveries (/metrics) against wrk's. The rounds run three ways:
with the same two fingerprints in every request (one group, re-sent); with a unique fingerprint
for every alert of every request (an alert storm, or a hostile sender: every request adds two
alerts the daemon has never seen, which it must not keep without bound); and while a drill is
running (a local `command` fault in place, the alerts matching its detection), so that every
alert also reaches the running drill. Builds nothing: give it the firedrill binary (argument, or
FIREDRILL in the environment). Needs wrk.

Usage: webhook_ingest_bench.py [FIREDRILL_BINARY] [--rounds 3] [--duration 15] [--threads 2]
                               [--connections 32] [--no-drill] [--no-unique]
Goals: >= 5,000 requests/s with p99 <= 5 ms; with unique fingerprints also the daemon's RSS flat
within 10 MB from before the first such round to after the last (printed, met or missed). Exits
1 if a response was not 2xx, a socket failed or the daemon took in fewer deliveries than wrk
counted.
"""

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

GOAL_RPS = 5000
GOAL_P99_MS = 5.0
GOAL_RSS_GROWTH_MB = 10.0
# Stand-ins for the two fingerprints in the body of the unique-fingerprint rounds; the wrk script
# replaces them in every request.
FP_MARKS = ("@FP1@", "@FP2@")


def utc(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def now():
    return dt.datetime.now(dt.timezone.utc)


def alertmanager_payload(starts, status="firing",
                         fingerprints=("3f1c2b9a7d4e5f60", "8a7b6c5d4e3f2a10")):
    """An Alertmanager v4 webhook body as Alertmanager sends it: one group, two alerts."""

    def alert(instance, fingerprint):
        return {
            "status": status,
            "labels": {
                "alertname": "CheckoutDown",
                "service": "checkout",
                "severity": "page",
                "job": "checkout-web",
                "instance": instance,
                "env": "production",
            },
            "annotations": {
                "summary": f"checkout web process down on {instance}",
                "description": "Probe failed for more than 1 minute; users cannot pay.",
                "runbook_url": "https://runbooks.example.com/checkout/web-down",
            },
            "startsAt": utc(starts),
            "endsAt": utc(now()) if status == "resolved" else "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=up%7Bjob%3D%22"
                            "checkout-web%22%7D+%3D%3D+0&g0.tab=1",
            "fingerprint": fingerprint,
        }

    return json.dumps({
        "version": "4",
        "groupKey": '{}/{severity="page"}:{alertname="CheckoutDown"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "firedrill",
        "groupLabels": {"alertname": "CheckoutDown"},
        "commonLabels": {"alertname": "CheckoutDown", "service": "checkout", "severity": "page",
                         "job": "checkout-web", "env": "production"},
        "commonAnnotations": {
            "description": "Probe failed for more than 1 minute; users cannot pay.",
            "runbook_url": "https://runbooks.example.com/checkout/web-down",
        },
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": [alert("web-1.checkout:8080", fingerprints[0]),
                   alert("web-2.checkout:8080", fingerprints[1])],
    })


def write_lua(path, token, body, unique_tag=None):
    """The wrk script: the same body in every request or, with `unique_tag`, a body whose two
    fingerprints are new in every request (tag, wrk thread, request number)."""
    if "]==]" in body:
        raise SystemExit("payload contains the Lua long-string delimiter")
    with open(path, "w") as f:
        f.write('wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.headers["Authorization"] = "Bearer {token}"\n')
        if unique_tag is None:
            f.write(f"wrk.body = [==[{body}]==]\n")
            return
        head, rest = body.split(FP_MARKS[0])
        middle, tail = rest.split(FP_MARKS[1])
        f.write(f"local head = [==[{head}]==]\n"
                f"local middle = [==[{middle}]==]\n"
                f"local tail = [==[{tail}]==]\n"
                "local threads = 0\n"
                "function setup(thread)\n"
                "  threads = threads + 1\n"
                "  thread:set(\"tid\", threads)\n"
                "end\n"
                "local n = 0\n"
                "function request()\n"
                "  n = n + 1\n"
                f"  local fp = string.format(\"{unique_tag}-%d-%d\", tid, n)\n"
                "  return wrk.format(nil, nil, nil, head .. fp .. \"a\" .. middle .. fp .. \"b\" .. tail)\n"
                "end\n")


class Daemon:
    """`firedrill serve` on a state directory, with the alert token."""

    def __init__(self, firedrill, work, token_file, name="state"):
        self.state = os.path.join(work, name)
        self.log = os.path.join(work, name + ".log")
        self.proc = subprocess.Popen(
            [firedrill, "serve", "--state", self.state, "--alert-token-file", token_file],
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        control = os.path.join(self.state, "control.json")
        for _ in range(1000):
            if self.proc.poll() is not None:
                raise SystemExit(f"firedrill serve exited {self.proc.returncode}; see {self.log}")
            try:
                with open(control) as f:
                    c = json.load(f)
                if c.get("pid") == self.proc.pid:
                    self.port, self.token = c["port"], c["token"]
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        raise SystemExit("firedrill serve did not publish control.json; see " + self.log)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path):
        req = urllib.request.Request(self.url(path),
                                     headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()

    def accepted(self):
        m = re.search(r'^firedrill_webhook_deliveries_total\{source="alertmanager",'
                      r'result="accepted"\} (\d+)$', self.get("/metrics"), re.M)
        return int(m.group(1)) if m else 0

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            kib = int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))
        return kib / 1024

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=60)


def post_once(daemon, token, body):
    req = urllib.request.Request(daemon.url("/v1/alerts/alertmanager"), data=body.encode(),
                                 method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"cannot read wrk's latency {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(out):
    r = {}
    r["rps"] = float(re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M).group(1))
    r["requests"] = int(re.search(r"^\s*(\d+) requests in", out, re.M).group(1))
    for pct in ("50", "75", "90", "99"):
        r["p" + pct] = ms(re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M).group(1))
    r["max"] = ms(re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M).group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return r


def cpu_times():
    """The machine's CPU time so far (all cores) and the part of it stolen by the hypervisor."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return sum(fields[:8]), fields[7]


def run_wrk(args, daemon, lua):
    before_accepted = daemon.accepted()
    before_cpu = daemon.cpu_seconds()
    before_total, before_steal = cpu_times()
    rss_before = daemon.rss_mb()
    out = subprocess.run([args.wrk, f"-t{args.threads}", f"-c{args.connections}",
                          f"-d{args.duration}s", "--latency", "-s", lua,
                          daemon.url("/v1/alerts/alertmanager")],
                         check=True, capture_output=True, text=True).stdout
    cpu = daemon.cpu_seconds() - before_cpu
    total, steal = cpu_times()
    r = parse_wrk(out)
    r["steal"] = 100 * (steal - before_steal) / max(total - before_total, 1)
    with open("/proc/loadavg") as f:
        r["load"] = f.read().split()[0]
    r["accepted"] = daemon.accepted() - before_accepted
    r["rss_before"], r["rss_after"] = rss_before, daemon.rss_mb()
    r["daemon_cpu"] = cpu
    r["raw"] = out
    return r


def print_round(label, i, r):
    print(f"  {label} round {i}: {r['rps']:,.0f} req/s  p50 {r['p50']:.2f} ms  "
          f"p90 {r['p90']:.2f} ms  p99 {r['p99']:.2f} ms  max {r['max']:.2f} ms  "
          f"non-2xx {r['non2xx']}  socket errors {r['socket_errors']}  "
          f"daemon CPU {r['daemon_cpu']:.1f} s ({1e6 * r['daemon_cpu'] / max(r['accepted'], 1):.0f}"
          f" us/request)  accepted by the daemon {r['accepted']:,} (wrk counted "
          f"{r['requests']:,}); RSS {r['rss_before']:.1f} -> {r['rss_after']:.1f} MB; "
          f"load {r['load']}, CPU stolen by the hypervisor {r['steal']:.0f}%", flush=True)


def summarize(label, rounds, rss_goal=False):
    rps = statistics.median(r["rps"] for r in rounds)
    p99 = statistics.median(r["p99"] for r in rounds)
    non2xx = sum(r["non2xx"] for r in rounds)
    growth = rounds[-1]["rss_after"] - rounds[0]["rss_before"]
    met = rps >= GOAL_RPS and p99 <= GOAL_P99_MS and non2xx == 0
    goal = f">= {GOAL_RPS:,} requests/s with p99 <= {GOAL_P99_MS:g} ms"
    if rss_goal:
        met = met and growth <= GOAL_RSS_GROWTH_MB
        goal += f" and RSS growth <= {GOAL_RSS_GROWTH_MB:g} MB"
    print(f"{label}: median of {len(rounds)} rounds: {rps:,.0f} requests/s, "
          f"p50 {statistics.median(r['p50'] for r in rounds):.2f} ms, "
          f"p90 {statistics.median(r['p90'] for r in rounds):.2f} ms, p99 {p99:.2f} ms; "
          f"non-2xx {non2xx}; RSS {rounds[0]['rss_before']:.1f} MB before the first round, "
          f"{rounds[-1]['rss_after']:.1f} MB after the last ({growth:+.1f} MB); "
          f"goal {goal}: {'met' if met else 'MISSED'}")


def drill_text(marker, start, end):
    return f"""id = "ingest-bench"
title = "Checkout web process stops (webhook ingest bench)"
service = "checkout"
owner = "Bench Lead <lead@example.com>"
playbook = "runbook.md"
[window]
start = {utc(start)}
end = {utc(end)}
zone = "UTC"
grace = "30s"
[announce]
lead = "0s"
[detection]
match = {{ alertname = "CheckoutDown" }}
[targets.here]
local = true
[[faults]]
id = "marker"
kind = "command"
target = "here"
inject = "touch '{marker}'"
check = "test -f '{marker}'"
restore = "rm -f '{marker}'"
"""


def running_phase(daemon):
    drills = json.loads(daemon.get("/v1/drills")).get("drills", [])
    return drills[0]["state"] if drills else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("firedrill", nargs="?", default=os.environ.get("FIREDRILL"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--no-drill", action="store_true", help="skip the rounds with a running drill")
    ap.add_argument("--no-unique", action="store_true",
                    help="skip the rounds with a unique fingerprint per request")
    ap.add_argument("--wrk", default=shutil.which("wrk"))
    args = ap.parse_args()
    if not args.firedrill:
        ap.error("give the firedrill binary (argument or FIREDRILL)")
    if not args.wrk:
        raise SystemExit("wrk is not installed")
    firedrill = os.path.abspath(args.firedrill)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"{os.cpu_count()} cores, load average {load} at the start; wrk -t{args.threads} "
          f"-c{args.connections} -d{args.duration}s --latency, {args.rounds} rounds each")
    work = tempfile.mkdtemp(prefix="firedrill-ingest-")
    daemon = None
    try:
        token = secrets.token_hex(32)
        token_file = os.path.join(work, "alert-token")
        with open(token_file, "w") as f:
            f.write(token + "\n")
        os.chmod(token_file, 0o600)
        daemon = Daemon(firedrill, work, token_file)
        body = alertmanager_payload(now())
        print(f"payload: {len(body)} bytes, 2 alerts")
        status, answer = post_once(daemon, token, body)
        if status != 200 or json.loads(answer).get("accepted") != 2:
            raise SystemExit(f"the daemon answered {status} {answer}")
        lua = os.path.join(work, "post.lua")
        write_lua(lua, token, body)
        results = {}
        idle = []
        for i in range(1, args.rounds + 1):
            idle.append(run_wrk(args, daemon, lua))
            print_round("no drill running", i, idle[-1])
        results["no drill running"] = idle
        if not args.no_unique:
            # A daemon of its own: the alerts it is sent stay firing (a drill matching them would
            # be vetoed), and its RSS starts from a fresh start, like the first daemon's.
            storm = Daemon(firedrill, work, token_file, name="state-unique")
            try:
                unique = []
                storm_lua = os.path.join(work, "post-unique.lua")
                for i in range(1, args.rounds + 1):
                    write_lua(storm_lua, token, alertmanager_payload(now(), fingerprints=FP_MARKS),
                              unique_tag=f"r{i}")
                    unique.append(run_wrk(args, storm, storm_lua))
                    print_round("unique fingerprints", i, unique[-1])
                results["unique fingerprints"] = unique
            finally:
                if storm.stop() != 0:
                    raise SystemExit(f"firedrill serve exited {storm.proc.returncode}; "
                                     f"see {storm.log}")
        if not args.no_drill:
            # The alerts resolve: a drill is refused while an alert matching its detection fires.
            status, answer = post_once(daemon, token, alertmanager_payload(now(), "resolved"))
            if status != 200:
                raise SystemExit(f"the daemon answered {status} {answer}")
            marker = os.path.join(work, "fault-in-place")
            start = now() + dt.timedelta(seconds=3)
            end = start + dt.timedelta(seconds=args.rounds * (args.duration + 5) + 30)
            drill = os.path.join(work, "drill.toml")
            with open(drill, "w") as f:
                f.write(drill_text(marker, start, end))
            subprocess.run([firedrill, "schedule", "--state", daemon.state, "--by", "bench",
                            drill], check=True, stdout=subprocess.DEVNULL)
            deadline = time.time() + 30
            while not os.path.exists(marker) and time.time() < deadline:
                time.sleep(0.05)
            if not os.path.exists(marker):
                raise SystemExit("the drill did not inject its fault; see " + daemon.log)
            body = alertmanager_payload(now())  # fires after T0: the drill's detection
            write_lua(lua, token, body)
            busy = []
            for i in range(1, args.rounds + 1):
                busy.append(run_wrk(args, daemon, lua))
                print_round(f"drill running ({running_phase(daemon)})", i, busy[-1])
            results["a drill running"] = busy
        # Every request wrk counted must have been answered 200 and taken in by the daemon.
        faults = [r for rounds in results.values() for r in rounds
                  if r["non2xx"] or r["socket_errors"] or r["accepted"] < r["requests"]]
        if faults:
            print("wrk's output of a round with errors:\n" + faults[0]["raw"])
        for label, rounds in results.items():
            summarize(label, rounds, rss_goal=label == "unique fingerprints")
        if daemon.stop() != 0:
            raise SystemExit(f"firedrill serve exited {daemon.proc.returncode}; see {daemon.log}")
        daemon = None
        if not args.no_drill and os.path.exists(os.path.join(work, "fault-in-place")):
            raise SystemExit("the drill's fault was left in place")
        return 1 if faults else 0
    except BaseException:
        if daemon is not None:
            daemon.stop()
            daemon = None
        print(f"kept {work} for a look", file=sys.stderr)
        work = None
        raise
    finally:
        if daemon is not None:
            daemon.stop()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
