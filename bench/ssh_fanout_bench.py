#!/usr/bin/python3
"""SSH fan-out: inject + restore a `command` fault on N SSH targets, side by side with pdsh (ssh
transport) and ansible ad-hoc (-m command) doing the same two commands, then firedrill's peak RSS
with a larger fleet.

All targets are one real sshd on a loopback port (every target entry is its own connection; pdsh
and ansible are given the same host N times). Needs root (sshd, PermitRootLogin), Debian's
openssh-server; pdsh and ansible are measured when installed and skipped with a printed reason
otherwise.

Usage: ssh_fanout_bench.py FIREDRILL_BINARY [--targets 50] [--rss-targets 500] [--rounds 3]
                           [--exec-bench SSH_EXEC_BENCH_BINARY] [--firedrill-only]

With --exec-bench, the runner-level breakdown (bench/ssh_exec_bench.cpp: connect, one exec, the
seven per-target commands as seven execs and batched into two) is measured first, against the
same sshd and the same number of targets.
"""

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SSHD = "/usr/sbin/sshd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fanout-bench", "-f",
                    path], check=True)


class Sshd:
    """One sshd on 127.0.0.1, accepting the bench's key for the current user."""

    def __init__(self, work, max_clients):
        self.work = work
        self.port = free_port()
        self.host_key = os.path.join(work, "host_key")
        self.identity = os.path.join(work, "client_key")
        keygen(self.host_key)
        keygen(self.identity)
        self.user = os.environ.get("USER") or "root"
        auth = os.path.join(work, "authorized_keys")
        shutil.copy(self.identity + ".pub", auth)
        os.chmod(auth, 0o600)
        self.known_hosts = os.path.join(work, "known_hosts")
        with open(self.host_key + ".pub") as f:
            key = " ".join(f.read().split()[:2])
        with open(self.known_hosts, "w") as f:
            f.write(f"[127.0.0.1]:{self.port} {key}\n")
        config = os.path.join(work, "sshd_config")
        with open(config, "w") as f:
            f.write(f"""Port {self.port}
ListenAddress 127.0.0.1
HostKey {self.host_key}
PidFile {work}/sshd.pid
AuthorizedKeysFile {auth}
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxStartups {max_clients}:100:{max_clients}
MaxSessions 20
LogLevel ERROR
SetEnv HOME={work}/home
""")
        # Sessions get a HOME of their own, so the login shell (bash -c) does not source this
        # machine's ~/.bashrc before every command: that costs all three tools alike (about a
        # second per command where it runs pyenv) and would measure the shell, not the tools.
        os.makedirs(os.path.join(work, "home"), exist_ok=True)
        os.makedirs("/run/sshd", exist_ok=True)
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", config],
                                     stderr=open(os.path.join(work, "sshd.log"), "w"))
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("sshd did not start; see " + os.path.join(work, "sshd.log"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def utc(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse_ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def write_drill(path, sshd, n, marker, start, end):
    lines = [
        'id = "fanout-bench"', 'title = "SSH fan-out benchmark"', 'service = "bench"',
        'owner = "bench"', 'playbook = "none"', "[window]", f"start = {utc(start)}",
        f"end = {utc(end)}", 'zone = "UTC"', 'grace = "60s"'
    ]
    names = [f"t{i:04d}" for i in range(n)]
    for name in names:
        lines += [
            f"[targets.{name}]", 'host = "127.0.0.1"', f"port = {sshd.port}",
            f'user = "{sshd.user}"', f'identity = "{sshd.identity}"',
            f'known_hosts = "{sshd.known_hosts}"'
        ]
    lines += [
        "[[faults]]", 'id = "mark"', 'kind = "command"',
        "target = [" + ", ".join(f'"{x}"' for x in names) + "]", f"parallel = {n}",
        f"inject = \"touch '{marker}'\"", f"check = \"test -f '{marker}'\"",
        f"restore = \"rm -f '{marker}'\"", 'restore_timeout = "5s"'
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def run_firedrill(binary, sshd, n, work, tag):
    """Runs one drill on n targets; returns (seconds spent connecting + injecting + restoring,
    peak RSS in KiB). Window waits are not counted: the phases are read off the event stream."""
    state = os.path.join(work, f"state-{tag}")
    marker = os.path.join(work, f"marker-{tag}")
    drill = os.path.join(work, f"drill-{tag}.toml")
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
    end = start + dt.timedelta(seconds=5 + max(5, n // 20))  # restore_at = end - 5 s
    write_drill(drill, sshd, n, marker, start, end)
    proc = subprocess.Popen([binary, "run", "--json", "--state", state, drill],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    kinds = [e["event"] for e in events]
    injected = [parse_ts(e["ts"]) for e in events if e["event"] == "fault-injected"]
    if proc.returncode != 0 or len(injected) != n or os.path.exists(marker):
        sys.exit(f"firedrill run on {n} targets failed (exit {proc.returncode}, {len(injected)} "
                 f"injected, marker left: {os.path.exists(marker)}); events: {kinds}\n{err}")
    restore_started = next(parse_ts(e["ts"]) for e in events if e["event"] == "restore-started")
    ended = next(parse_ts(e["ts"]) for e in events if e["event"] == "run-ended")
    busy = (max(injected) - start).total_seconds() + (ended - restore_started).total_seconds()
    CPU[-1] += usage.ru_utime + usage.ru_stime

    def last(kind):
        stamps = [parse_ts(e["ts"]) for e in events if e["event"] == kind]
        return max(stamps) if stamps else None

    preflight = last("preflight-passed") or start
    restored = last("fault-restored") or ended
    PHASES.append({
        "window open -> preflight passed (connect every target)":
            (preflight - start).total_seconds(),
        "preflight -> last fault-injected (arm switch, inject, check)":
            (max(injected) - preflight).total_seconds(),
        "restore-started -> last fault-restored (restore, check)":
            (restored - restore_started).total_seconds(),
        "last fault-restored -> run-ended (disarm, close the record)":
            (ended - restored).total_seconds(),
    })
    return busy, usage.ru_maxrss


PHASES = []  # per firedrill round: where its time went, read off its own events
# Per round of the tool being measured: CPU seconds of the tool's own processes (firedrill; pdsh
# and its ssh clients; ansible and its ssh clients), the target's sshd and shells not included
# (they are children of sshd, which the bench reaps only at the end).
CPU = []


def children_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def timed(cmd, env=None):
    t = time.monotonic()
    cpu = children_cpu()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - t
    CPU[-1] += children_cpu() - cpu
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return elapsed, r.stdout


def run_pdsh(sshd, n, work):
    marker = os.path.join(work, "marker-pdsh")
    env = dict(os.environ, PDSH_RCMD_TYPE="ssh", PDSH_SSH_ARGS_APPEND=(
        f"-p {sshd.port} -i {sshd.identity} -o UserKnownHostsFile={sshd.known_hosts} "
        "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes"))
    hosts = ",".join(["127.0.0.1"] * n)
    base = ["pdsh", "-S", "-f", str(n), "-l", sshd.user, "-w", hosts]
    a, out = timed(base + [f"touch '{marker}'"], env)
    b, out2 = timed(base + [f"rm -f '{marker}'"], env)
    return a + b


def run_ansible(sshd, n, work):
    marker = os.path.join(work, "marker-ansible")
    inventory = os.path.join(work, "inventory.ini")
    with open(inventory, "w") as f:
        f.write("[fleet]\n")
        for i in range(n):
            f.write(f"t{i:04d} ansible_host=127.0.0.1 ansible_port={sshd.port}\n")
        f.write(f"""[fleet:vars]
ansible_user={sshd.user}
ansible_ssh_private_key_file={sshd.identity}
ansible_ssh_common_args='-o UserKnownHostsFile={sshd.known_hosts} -o StrictHostKeyChecking=yes'
ansible_python_interpreter=/usr/bin/python3
""")
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="True", ANSIBLE_GATHERING="explicit",
               ANSIBLE_LOCAL_TEMP=os.path.join(work, "ansible-tmp"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="True")
    base = ["ansible", "fleet", "-i", inventory, "-f", str(n), "-m", "command", "-a"]
    a, _ = timed(base + [f"touch {marker}"], env)
    b, _ = timed(base + [f"rm -f {marker}"], env)
    return a + b


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("firedrill")
    ap.add_argument("--targets", type=int, default=50)
    ap.add_argument("--rss-targets", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--exec-bench", help="path of ssh_exec_bench (runner-level breakdown)")
    ap.add_argument("--firedrill-only", action="store_true",
                    help="leave pdsh and ansible out (a quick look at firedrill's phases; no "
                         "figure to compare)")
    args = ap.parse_args()
    if os.geteuid() != 0 or not os.path.exists(SSHD):
        sys.exit("needs root and Debian's openssh-server (/usr/sbin/sshd)")
    work = tempfile.mkdtemp(prefix="fanout-bench-")
    sshd = Sshd(work, max(args.targets, args.rss_targets) + 10)
    try:
        n = args.targets
        if args.exec_bench:
            r = subprocess.run([args.exec_bench, "127.0.0.1", str(sshd.port), sshd.user,
                                sshd.identity, sshd.known_hosts, "--targets", str(n),
                                "--rounds", str(args.rounds)], stdout=subprocess.PIPE, text=True)
            print(r.stdout, end="")
            if r.returncode != 0:
                sys.exit(f"ssh_exec_bench failed ({r.returncode})")
        print(f"inject + restore of a command fault on {n} SSH targets (one loopback sshd), "
              f"fan-out {n}, median of {args.rounds} rounds; load average "
              f"{os.getloadavg()[0]:.2f}")
        tools = [("firedrill", lambda r: run_firedrill(args.firedrill, sshd, n, work, f"r{r}")[0])]
        if args.firedrill_only:
            print("  pdsh and ansible: left out (--firedrill-only)")
        elif shutil.which("pdsh"):
            tools.append(("pdsh -R ssh", lambda r: run_pdsh(sshd, n, work)))
        else:
            print("  pdsh: skipped, not installed (apt install pdsh)")
        if args.firedrill_only:
            pass
        elif shutil.which("ansible"):
            tools.append(("ansible -m command", lambda r: run_ansible(sshd, n, work)))
        else:
            print("  ansible: skipped, not installed (apt install ansible-core)")
        results = {}
        cpu = {}
        for name, fn in tools:
            times = []
            rounds_cpu = []
            for r in range(args.rounds):
                CPU.append(0.0)
                times.append(fn(r))
                rounds_cpu.append(CPU[-1])
            cpu[name] = statistics.median(rounds_cpu)
            results[name] = statistics.median(times)
            print(f"  {name:20s} {results[name]:7.3f} s   (rounds: "
                  + ", ".join(f"{t:.3f}" for t in times) + ")")
            if name == "firedrill":
                for phase in PHASES[0]:
                    print(f"    {phase:62s} "
                          f"{statistics.median(p[phase] for p in PHASES):6.3f} s")
        base = results["firedrill"]
        for name, t in results.items():
            if name != "firedrill":
                print(f"  {name} / firedrill = {t / base:.1f}x")
        print("CPU time of the tool's own processes per round (the target's sshd and shells not "
              "counted), median:")
        for name, c in cpu.items():
            ratio = "" if name == "firedrill" else f"   {c / cpu['firedrill']:.1f}x firedrill's"
            print(f"  {name:20s} {c:7.3f} s{ratio}")
        print("  firedrill runs per target: connect, arm dead man's switch, inject, check; "
              "restore, check, disarm (7 steps); pdsh and ansible: one connection per command, "
              "2 commands, no checks")
        if args.rss_targets > 0:
            CPU.append(0.0)
            busy, rss = run_firedrill(args.firedrill, sshd, args.rss_targets, work, "rss")
            print(f"firedrill on {args.rss_targets} SSH targets: peak RSS {rss / 1024:.1f} MiB, "
                  f"connect + inject + restore {busy:.3f} s")
    finally:
        sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
