#!/usr/bin/python3
"""Crash soak: N drills, each `firedrill run` SIGKILLed at a random moment, then `firedrill recover`.

The proof that a fault is never left behind when the orchestrator dies. Each drill runs in its own
temporary state directory with one fault of a local kind (the kinds rotate, so every kind is
soaked) plus, for every kind but `command`, a `command` companion with a slow inject
("touch STARTED; sleep 2; touch MARKER") and a slow restore, in a random order. `firedrill run` is
SIGKILLed at a moment drawn per drill among four phases, each reached by waiting on what the run
records (never on a fixed sleep), then a random part of that phase:

  before inject  the `waiting` event is in the state's events table
  during inject  the companion's slow inject has begun (its STARTED file exists)
  active         the `active` event is recorded (every fault injected)
  restoring      `restore-started` is recorded and a slow restore command has begun

The phase the kill really landed in is read back from the records and counted (a run may also end
before its kill moment, e.g. when preflight refused: counted as "no kill"). Right after the kill,
an observer per kind says whether each fault is in place, from the system itself, not from
firedrill's records: a marker file (command), the victim process via /proc (process.kill: dead;
process.pause: stopped), the fill file (disk.fill, in a small tmpfs), stress-ng processes carrying
the drill's tag (cpu.stress, memory.stress), the drill's nft chains (network.block), a netem qdisc
on a veth made for the drill (network.delay), a socket listening on the proxy's port
(network.latency-proxy, upstream: a small echo server of this script).

Then `firedrill recover --state DIR` runs; for a share of the drills (--recover-kill, 10%) it is
SIGKILLed once it has begun restoring (a slow restore command started, or a ledger row changed)
and run again. Every observer is checked when recover returns and again 5 seconds later (a real
wait: nothing may come back, e.g. from an inject that outlived the orchestrator). Each run must
have an outcome in its events (run-ended, restore-incomplete, preflight-refused or aborted, for
its run id; cross-checked with `records list --json`) and `records verify` must pass.

Goals (exit status 1 if any is missed): faults left 0 s and 5 s after recover: 0 and 0; runs
without an outcome: 0; verify failures: 0. A drill that misses one keeps its directory (state,
drill file, outputs) and is described in full: kind, phase, what was left, ledger rows, events.

Root-only kinds (network.block: nft; network.delay: tc netem on a veth; disk.fill: a tmpfs) are
skipped with a printed reason when not root or when the kernel lacks what they need. Every process
the soak starts or that firedrill starts for it carries FDSOAK_TAG in its environment; the soak
kills what is left of them, deletes its nft chains, veths and tmpfs mounts after each drill, and
on exit, Ctrl-C or SIGTERM (an interrupted drill is recovered first).

Usage: crash_soak.py [--firedrill BIN] [--drills 200] [--seed S] [--kinds K,K] [--keep DIR]
                     [--recover-kill 0.1] [--json FILE]

--firedrill defaults to $FIREDRILL_BIN. Needs Python 3 (standard library only) and stress-ng for
the stress kinds.
"""

import argparse
import collections
import dataclasses
import json
import os
import random
import shutil
import signal
import socket
import socketserver
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

TAG_VAR = "FDSOAK_TAG"
VICTIM_NAME = "soakvictim"  # the victims' /proc/PID/comm (a symlink to sleep)
NFT_TABLE = "inet firedrill"
NFT_LOCK = "/run/firedrill-nft.lock"  # the lock firedrill's network.block takes
POLL = 0.02  # seconds between two looks at a run's records while waiting for a phase
RUN_LIMIT = 90.0  # seconds a run may take to reach its kill moment
RECOVER_LIMIT = 180.0  # seconds one recover may take
RECHECK_AFTER = 5.0  # the second observation after recover

ALL_KINDS = ["command", "process.kill", "process.pause", "disk.fill", "cpu.stress",
             "memory.stress", "network.block", "network.delay", "network.latency-proxy"]
PHASES = ["before inject", "during inject", "active", "restoring"]
# How far into a phase the kill may land, in seconds after the phase was seen: each is shorter
# than the phase lasts (the slow commands sleep 2 s; the window keeps the drill active >= 3 s).
JITTER = {"before inject": 0.4, "during inject": 1.6, "active": 1.5, "restoring": 1.6}
ENDINGS = ("run-ended", "restore-incomplete", "preflight-refused", "aborted")


def log(text):
    print(text, flush=True)


# --- the system, read directly ------------------------------------------------------------------


@dataclasses.dataclass
class Proc:
    pid: int
    state: str
    comm: str
    argv0: str
    tag: str


def processes():
    """Every live (not zombie) process, with the soak tag from its environment ("" if none)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue  # gone, or not ours to read
        close = stat.rfind(")")
        comm = stat[stat.find("(") + 1:close]
        state = stat[close + 2:close + 3]
        if state in ("Z", "X"):
            continue
        tag = ""
        key = TAG_VAR.encode() + b"="
        for entry in environ.split(b"\0"):
            if entry.startswith(key):
                tag = entry[len(key):].decode(errors="replace")
                break
        out.append(Proc(pid, state, comm, argv0, tag))
    return out


def listening(port):
    """True iff some socket listens on TCP `port` (IPv4 or IPv6)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(command, timeout=30):
    """Runs `command` (a list) and returns (exit status, output); never raises."""
    try:
        r = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        return r.returncode, r.stdout.decode(errors="replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, str(e)


def nft_table():
    rc, out = sh(["nft", "list", "table", *NFT_TABLE.split()])
    return out if rc == 0 else ""


# --- what this machine allows -------------------------------------------------------------------


class Capabilities:
    """Which kinds can run here, and why the others cannot."""

    def __init__(self, wanted):
        self.skipped = {}
        root = os.geteuid() == 0
        if not shutil.which("stress-ng"):
            for k in ("cpu.stress", "memory.stress"):
                self.skipped[k] = "stress-ng is not installed (Debian package stress-ng)"
        if not root:
            why = "needs root"
            self.skipped["network.block"] = f"{why} (nft)"
            self.skipped["network.delay"] = f"{why} (tc netem on a veth made for the drill)"
            self.skipped["disk.fill"] = (f"{why} (a small tmpfs to fill; filling a shared "
                                         "filesystem is not safe)")
        else:
            if not shutil.which("nft") or sh(["nft", "list", "tables"])[0] != 0:
                self.skipped["network.block"] = "nft is missing or cannot list tables here"
            why = self._netem_unusable()
            if why:
                self.skipped["network.delay"] = why
            why = self._tmpfs_unusable()
            if why:
                self.skipped["disk.fill"] = why
        self.kinds = [k for k in wanted if k not in self.skipped]
        for k in list(self.skipped):
            if k not in wanted:
                del self.skipped[k]

    @staticmethod
    def _netem_unusable():
        if not shutil.which("tc") or not shutil.which("ip"):
            return "tc or ip (iproute2) is missing"
        name = f"fdsp{os.getpid() % 100000}"
        rc, out = sh(["ip", "link", "add", name, "type", "veth", "peer", "name", name + "b"])
        if rc != 0:
            return f"cannot make a veth pair: {out.strip()}"
        try:
            rc, out = sh(["tc", "qdisc", "add", "dev", name, "root", "netem", "delay", "1ms"])
            if rc != 0:
                return f"tc cannot add a netem qdisc (kernel module sch_netem?): {out.strip()}"
            return ""
        finally:
            sh(["ip", "link", "del", name])

    @staticmethod
    def _tmpfs_unusable():
        d = tempfile.mkdtemp(prefix="fdsoak-tmpfs-")
        try:
            rc, out = sh(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", d])
            if rc != 0:
                return f"cannot mount a tmpfs: {out.strip()}"
            sh(["umount", d])
            return ""
        finally:
            os.rmdir(d)


# --- the upstream of the latency proxy ----------------------------------------------------------


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    return
                self.request.sendall(data)
        except OSError:
            return


class Upstream(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), EchoHandler)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()


# --- one drill ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Fault:
    id: str
    kind: str
    in_place_at_kill: bool = False
    left_0s: str = ""  # what was left, "" if nothing
    left_5s: str = ""


@dataclasses.dataclass
class Drill:
    n: int
    tag: str
    drill_id: str
    kind: str
    planned: str
    companion_first: bool
    jitter: float
    kill_recover: bool
    recover_jitter: float
    dir: str = ""
    state: str = ""
    faults: list = dataclasses.field(default_factory=list)
    port: int = 0  # network.block, network.latency-proxy
    veth: str = ""  # network.delay
    victim: object = None  # the Popen of the victim process
    mounted: bool = False
    # Results.
    killed_in: str = ""  # the phase the kill landed in; "no kill: ..." when the run ended first
    run_exit: object = None
    recover_kill: str = ""  # "" (not killed), or where recover was killed
    recover_exits: list = dataclasses.field(default_factory=list)
    strays_0s: list = dataclasses.field(default_factory=list)
    strays_5s: list = dataclasses.field(default_factory=list)
    runs: int = 0
    runs_without_outcome: list = dataclasses.field(default_factory=list)
    outcomes: list = dataclasses.field(default_factory=list)
    list_outcome: object = None
    verify_exit: object = None
    verify_output: str = ""
    open_ledger_rows: int = 0
    checked_5s_after: float = 0.0
    notes: list = dataclasses.field(default_factory=list)

    def path(self, name):
        return os.path.join(self.dir, name)

    def failed(self):
        return (any(f.left_0s or f.left_5s for f in self.faults) or self.runs_without_outcome
                or self.verify_exit not in (0, None))


DB_ERRORS = {}  # state dir -> the last error reading it


def db_rows(state, sql, args=()):
    """Rows of `sql` on the state's database, opened read-only; [] while it does not exist."""
    path = os.path.join(state, "firedrill.db")
    if not os.path.exists(path):
        return []
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as e:
        DB_ERRORS[state] = str(e)
        return []
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, args)]
    except sqlite3.Error as e:
        DB_ERRORS[state] = str(e)  # not created yet, or being created
        return []
    finally:
        con.close()


def events(state):
    return db_rows(state, "SELECT seq, ts_ms, kind, actor, payload FROM events ORDER BY seq")


def ledger(state):
    return db_rows(state, "SELECT * FROM fault_ledger ORDER BY id")


def has_event(state, kind):
    return bool(db_rows(state, "SELECT 1 FROM events WHERE kind = ? LIMIT 1", (kind,)))


def count_lines(path):
    try:
        with open(path) as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


class Soak:
    def __init__(self, args, caps):
        self.args = args
        self.fd = args.firedrill
        self.caps = caps
        self.rng = random.Random(args.seed)
        self.session = f"fdsoak{os.getpid()}x{args.seed % 1000000}"
        self.work = tempfile.mkdtemp(prefix="crash-soak-")
        self.keep = args.keep or os.path.join(self.work, "kept")
        self.upstream = Upstream() if "network.latency-proxy" in caps.kinds else None
        self.victim_exe = os.path.join(self.work, VICTIM_NAME)
        os.symlink(shutil.which("sleep"), self.victim_exe)
        self.done = []
        self.current = None  # the drill in progress, cleaned up by Close() on interruption
        self.child = None  # the firedrill process in progress
        self.pending = collections.deque()  # (due, drill): the 5 s checks not made yet
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.checker = threading.Thread(target=self._check_later, daemon=True)
        self.checker.start()

    # --- planning ---

    def plan(self):
        """Rounds of every kind once, in a random order; each kind takes the four phases in a
        random order every four rounds, so a short soak still covers every kind."""
        order = {k: [] for k in self.caps.kinds}
        combos = []
        while len(combos) < self.args.drills:
            kinds = list(self.caps.kinds)
            self.rng.shuffle(kinds)
            for k in kinds:
                if not order[k]:
                    order[k] = list(PHASES)
                    self.rng.shuffle(order[k])
                combos.append((k, order[k].pop()))
        drills = []
        for n, (kind, phase) in enumerate(combos[:self.args.drills], 1):
            drills.append(Drill(n=n, tag=f"{self.session}-{n}", drill_id=f"s{os.getpid()}n{n}",
                                kind=kind, planned=phase,
                                companion_first=self.rng.random() < 0.5,
                                jitter=self.rng.random(),
                                kill_recover=self.rng.random() < self.args.recover_kill,
                                recover_jitter=self.rng.random()))
        return drills

    def env(self, d):
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIREDRILL_")}
        env[TAG_VAR] = d.tag
        env["TMPDIR"] = d.dir  # the latency proxy's pid and log files go here
        return env

    # --- setting a drill up ---

    def prepare(self, d):
        d.dir = tempfile.mkdtemp(prefix=f"drill{d.n}-", dir=self.work)
        d.state = d.path("state")
        main = {"command": "slow", "process.kill": "kill", "process.pause": "pause",
                "disk.fill": "fill", "cpu.stress": "cpu", "memory.stress": "mem",
                "network.block": "block", "network.delay": "delay",
                "network.latency-proxy": "proxy"}[d.kind]
        main_fault = Fault(main, d.kind)
        if d.kind == "command":
            d.faults = [main_fault]
        else:
            companion = Fault("slow", "command")
            d.faults = [companion, main_fault] if d.companion_first else [main_fault, companion]
        if d.kind in ("process.kill", "process.pause"):
            d.victim = subprocess.Popen([self.victim_exe, "100000"], cwd=d.dir,
                                        env=self.env(d), start_new_session=True,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
            # Reaped as soon as it dies, so that /proc shows it gone rather than a zombie.
            threading.Thread(target=d.victim.wait, daemon=True).start()
            with open(d.path("victim.pid"), "w") as f:
                f.write(f"{d.victim.pid}\n")
        if d.kind == "disk.fill":
            os.mkdir(d.path("fs"))
            rc, out = sh(["mount", "-t", "tmpfs", "-o", "size=32M", "tmpfs", d.path("fs")])
            if rc != 0:
                raise RuntimeError(f"mount tmpfs: {out}")
            d.mounted = True
        if d.kind in ("network.block", "network.latency-proxy"):
            d.port = free_port()
        if d.kind == "network.delay":
            d.veth = f"fdk{os.getpid() % 1000}n{d.n}"  # at most 12 characters; the peer +"p"
            rc, out = sh(["ip", "link", "add", d.veth, "type", "veth", "peer", "name",
                          d.veth + "p"])
            if rc != 0:
                raise RuntimeError(f"ip link add: {out}")
            sh(["ip", "link", "set", d.veth, "up"])
        self.write_drill(d)

    def fault_toml(self, d, f):
        p = d.path
        head = f'[[faults]]\nid = "{f.id}"\nkind = "{f.kind}"\ntarget = "here"\n'
        if f.kind == "command":
            return head + (
                f"inject = \"touch '{p('STARTED')}'; sleep 2; touch '{p('MARKER')}'\"\n"
                f"check = \"test -f '{p('MARKER')}'\"\n"
                f"restore = \"echo restore >> '{p('RESTORES')}'; sleep 2; rm -f '{p('MARKER')}'\"\n"
                'restore_timeout = "6s"\ntimeout = "10s"\n')
        body = {
            "process.kill": (f'pidfile = "{p("victim.pid")}"\n'
                             f"start_command = \"'{self.victim_exe}' 100000 & "
                             f"echo $! > '{p('victim.pid')}'\"\n"
                             'restart_within = "5s"\n'),
            "process.pause": f'pidfile = "{p("victim.pid")}"\n',
            "disk.fill": f'path = "{p("fs")}"\nfree_left = "24M"\n',
            "cpu.stress": "workers = 1\nload = 10\n",
            "memory.stress": 'size = "16M"\nworkers = 1\n',
            "network.block": f'port = {d.port}\nmode = "reject"\n',
            "network.delay": f'interface = "{d.veth}"\nlatency = "20ms"\n',
            "network.latency-proxy": (f'listen = "127.0.0.1:{d.port}"\n'
                                      f'upstream = "127.0.0.1:{self.upstream.port if self.upstream else 0}"\n'
                                      'latency = "20ms"\n'),
        }[f.kind]
        return head + body + 'restore_timeout = "8s"\n'

    def write_drill(self, d):
        # Window: opens 1.5 s from now (the "waiting" phase); the restore point is 6 s after it
        # opens (inject <= ~3 s, then active); end = restore point + the restore budget.
        budget = sum(6 if f.kind == "command" else 8 for f in d.faults)
        start = time.time() + 1.5
        end = start + 6 + budget

        def utc(t):
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"

        text = (f'id = "{d.drill_id}"\ntitle = "crash soak drill {d.n}: {d.kind}"\n'
                'service = "crash-soak"\nowner = "crash-soak"\nplaybook = "bench/crash_soak.py"\n'
                f'[window]\nstart = {utc(start)}\nend = {utc(end)}\nzone = "UTC"\ngrace = "30s"\n'
                '[targets.here]\nlocal = true\n')
        for f in d.faults:
            text += self.fault_toml(d, f)
        with open(d.path("drill.toml"), "w") as f:
            f.write(text)

    # --- observers: is the fault in place right now? ("" = no, else what is in place) ---

    def observe(self, d, f, procs):
        if f.kind == "command":
            return "marker file exists" if os.path.exists(d.path("MARKER")) else ""
        if f.kind == "process.kill":
            alive = [p for p in procs if p.argv0 == self.victim_exe and p.tag == d.tag]
            return "" if alive else "no victim process runs (killed, not restarted)"
        if f.kind == "process.pause":
            victims = [p for p in procs if p.argv0 == self.victim_exe and p.tag == d.tag]
            if not victims:
                return "the paused victim is gone"
            stopped = [p for p in victims if p.state in ("T", "t")]
            return f"victim pid {stopped[0].pid} is stopped (state T)" if stopped else ""
        if f.kind == "disk.fill":
            fill = os.path.join(d.path("fs"), ".firedrill-fill")
            if os.path.exists(fill):
                return f"fill file present ({os.path.getsize(fill)} bytes)"
            return ""
        if f.kind in ("cpu.stress", "memory.stress"):
            stress = [p.pid for p in procs if p.tag == d.tag and p.comm.startswith("stress-ng")]
            return f"stress-ng running (pids {stress[:5]})" if stress else ""
        if f.kind == "network.block":
            table = nft_table()
            prefix = f"chain fd_{d.drill_id}_"
            return f"nft {prefix[6:]}* chain(s) in {NFT_TABLE}" if prefix in table else ""
        if f.kind == "network.delay":
            rc, out = sh(["tc", "qdisc", "show", "dev", d.veth])
            return f"netem qdisc on {d.veth}" if rc == 0 and "netem" in out else ""
        if f.kind == "network.latency-proxy":
            return f"something listens on 127.0.0.1:{d.port}" if listening(d.port) else ""
        raise ValueError(f.kind)

    def strays(self, d, procs):
        """Processes firedrill started for this drill that still run (victims aside)."""
        return [f"{p.pid} {p.comm}" for p in procs
                if p.tag == d.tag and p.argv0 != self.victim_exe]

    # --- the kill ---

    def reached(self, d, phase):
        if phase == "before inject":
            return has_event(d.state, "waiting")
        if phase == "during inject":
            return os.path.exists(d.path("STARTED"))
        if phase == "active":
            return has_event(d.state, "active")
        # restoring: the restore began and a slow restore command is running.
        return has_event(d.state, "restore-started") and count_lines(d.path("RESTORES")) > 0

    def phase_of(self, d):
        """The phase the run was in, from what it recorded (read after the kill)."""
        kinds = {e["kind"] for e in events(d.state)}
        if "restore-started" in kinds:
            return "restoring"
        if "active" in kinds:
            return "active"
        if ledger(d.state) or "fault-injected" in kinds or os.path.exists(d.path("STARTED")):
            return "during inject"
        return "before inject"

    def run_and_kill(self, d):
        out = open(d.path("run.out"), "wb")
        self.child = subprocess.Popen([self.fd, "run", "--state", d.state, d.path("drill.toml")],
                                      stdin=subprocess.DEVNULL, stdout=out,
                                      stderr=subprocess.STDOUT, env=self.env(d), cwd=d.dir)
        out.close()
        deadline = time.monotonic() + RUN_LIMIT
        seen = False
        while time.monotonic() < deadline and self.child.poll() is None:
            if self.reached(d, d.planned):
                seen = True
                break
            time.sleep(POLL)
        if seen:
            # A random moment inside the phase; not a synchronisation: the phase is read back.
            t = time.monotonic() + d.jitter * JITTER[d.planned]
            while time.monotonic() < t and self.child.poll() is None:
                time.sleep(min(POLL, max(0.0, t - time.monotonic())))
        elif self.child.poll() is None:
            d.notes.append(f"the run never reached '{d.planned}' in {RUN_LIMIT:.0f} s")
        if self.child.poll() is None:
            self.child.send_signal(signal.SIGKILL)
            self.child.wait()
            d.run_exit = "SIGKILL"
            d.killed_in = self.phase_of(d)
            procs = processes()
            for f in d.faults:
                f.in_place_at_kill = bool(self.observe(d, f, procs))
        else:
            d.run_exit = self.child.returncode
            d.killed_in = "no kill: the run ended first"
            d.notes.append(f"the run exited {d.run_exit} before its kill moment "
                           f"({d.planned}); last lines: {self.tail(d.path('run.out'))}")
        self.child = None

    # --- recover ---

    def recover(self, d, kill):
        """Runs recover; with `kill`, SIGKILLs it once it has begun restoring. Returns its exit."""
        out = open(d.path("recover.out"), "ab")
        self.child = subprocess.Popen([self.fd, "recover", "--state", d.state],
                                      stdin=subprocess.DEVNULL, stdout=out,
                                      stderr=subprocess.STDOUT, env=self.env(d), cwd=d.dir)
        out.close()
        if kill:
            restores = count_lines(d.path("RESTORES"))
            rows = {r["id"]: (r["status"], r["updated_ms"]) for r in ledger(d.state)}
            deadline = time.monotonic() + RECOVER_LIMIT
            why = ""
            while time.monotonic() < deadline and self.child.poll() is None:
                if count_lines(d.path("RESTORES")) > restores:
                    why = "while a slow restore command ran"
                    t = time.monotonic() + d.recover_jitter * 1.6
                    while time.monotonic() < t and self.child.poll() is None:
                        time.sleep(POLL)
                    break
                now = {r["id"]: (r["status"], r["updated_ms"]) for r in ledger(d.state)}
                if now != rows:
                    why = "right after a ledger row changed"
                    break
                time.sleep(POLL)
            if self.child.poll() is None:
                self.child.send_signal(signal.SIGKILL)
                self.child.wait()
                d.recover_kill = why or "after the time limit"
                d.recover_exits.append("SIGKILL")
                self.child = None
                return self.recover(d, False)
            d.recover_kill = "planned, but recover ended first"
        try:
            rc = self.child.wait(timeout=RECOVER_LIMIT)
        except subprocess.TimeoutExpired:
            self.child.send_signal(signal.SIGKILL)
            self.child.wait()
            rc = f"hung > {RECOVER_LIMIT:.0f} s, SIGKILLed"
        d.recover_exits.append(rc)
        self.child = None
        return rc

    # --- the record ---

    def check_records(self, d):
        evs = events(d.state)
        ended = {}
        started = []
        for e in evs:
            try:
                payload = json.loads(e["payload"])
            except ValueError:
                payload = {}
            run = payload.get("run", "") if isinstance(payload, dict) else ""
            if e["kind"] == "run-started":
                started.append(run)
            elif e["kind"] in ENDINGS:
                ended[run] = payload.get("outcome", e["kind"]) if e["kind"] == "run-ended" \
                    else e["kind"]
        d.runs = len(started)
        d.runs_without_outcome = [r for r in started if r not in ended]
        d.outcomes = [ended[r] for r in started if r in ended]
        d.open_ledger_rows = sum(1 for r in ledger(d.state) if r["status"] != "restored")
        rc, out = sh([self.fd, "records", "list", "--json", "--state", d.state], 60)
        try:
            rows = json.loads(out) if rc == 0 else []
            d.list_outcome = next((r.get("outcome") for r in rows if r.get("id") == d.drill_id),
                                  None)
        except ValueError:
            d.list_outcome = None
        if d.runs and d.list_outcome is None and not d.runs_without_outcome:
            d.notes.append("records list --json shows no outcome although the events hold one")
        d.verify_exit, d.verify_output = sh([self.fd, "records", "verify", "--state", d.state],
                                            120)

    # --- the checks after recover, and clean-up ---

    def observe_all(self, d, attr):
        procs = processes()
        for f in d.faults:
            setattr(f, attr, self.observe(d, f, procs))
        return self.strays(d, procs)

    def _check_later(self):
        """The 5 s check of each drill, in the background while the next drill runs."""
        while True:
            with self.lock:
                item = self.pending[0] if self.pending else None
            if item is None:
                if self.stop.wait(0.05):
                    return
                continue
            due, d = item
            if self.stop.is_set() and self.args.interrupted:
                with self.lock:
                    self.pending.popleft()
                d.notes.append("not checked 5 s after recover: the soak was interrupted")
                self.clean(d)
                continue
            if time.monotonic() < due:
                time.sleep(min(0.05, due - time.monotonic()))
                continue
            d.checked_5s_after = time.monotonic() - (due - RECHECK_AFTER)
            d.strays_5s = self.observe_all(d, "left_5s")
            self.clean(d)
            with self.lock:
                self.pending.popleft()

    def clean(self, d):
        """Removes whatever is left of drill `d`: processes, nft chains, veth, tmpfs, files."""
        for _ in range(3):
            mine = [p for p in processes() if p.tag == d.tag]
            if not mine:
                break
            for p in mine:
                for sig in (signal.SIGCONT, signal.SIGKILL):
                    try:
                        os.kill(p.pid, sig)
                    except OSError:
                        pass
            time.sleep(0.1)
        if d.kind == "network.block":
            chains = [w[1] for w in (line.split() for line in nft_table().splitlines())
                      if len(w) >= 2 and w[0] == "chain" and w[1].startswith(f"fd_{d.drill_id}_")]
            if chains:
                # Under firedrill's own lock; the table goes only when no chain is left in it.
                script = "".join(f"nft flush chain {NFT_TABLE} {c}; nft delete chain {NFT_TABLE} {c}; "
                                 for c in chains)
                sh(["flock", NFT_LOCK, "sh", "-c",
                    f"{script}nft list table {NFT_TABLE} | grep -q 'chain ' || "
                    f"nft delete table {NFT_TABLE}"])
        if d.veth:
            sh(["ip", "link", "del", d.veth])
        if d.mounted:
            sh(["umount", "-l", d.path("fs")])
            d.mounted = False
        if d.failed():
            os.makedirs(self.keep, exist_ok=True)
            dest = os.path.join(self.keep, os.path.basename(d.dir))
            shutil.move(d.dir, dest)
            d.dir = dest
            d.state = os.path.join(dest, "state")
        else:
            shutil.rmtree(d.dir, ignore_errors=True)

    # --- the loop ---

    def run(self, drills):
        for d in drills:
            self.current = d
            self.prepare(d)
            self.run_and_kill(d)
            if self.args.skip_recover:
                d.notes.append("recover skipped (--skip-recover)")
            else:
                self.recover(d, d.kill_recover)
            d.strays_0s = self.observe_all(d, "left_0s")
            self.check_records(d)
            self.current = None
            with self.lock:
                self.pending.append((time.monotonic() + RECHECK_AFTER, d))
            self.done.append(d)
            self.progress(d)
        while True:
            with self.lock:
                if not self.pending:
                    break
            time.sleep(0.05)
        self.stop.set()
        self.checker.join()
        failed = [d for d in self.done if d.failed()]
        for d in failed[:self.args.describe]:
            self.describe(d)
        if len(failed) > self.args.describe:
            log(f"\n{len(failed) - self.args.describe} more drills missed a goal (kept, not "
                f"described; --describe N shows more): "
                + ", ".join(f"{d.n} ({d.kind}, {d.killed_in})"
                            for d in failed[self.args.describe:]))

    def progress(self, d):
        at_kill = ",".join(f.id for f in d.faults if f.in_place_at_kill) or "-"
        left = ",".join(f"{f.id}: {f.left_0s}" for f in d.faults if f.left_0s)
        log(f"[{d.n:>4}/{self.args.drills}] {d.kind:<22} planned {d.planned:<13} "
            f"killed {d.killed_in:<13} in place at kill: {at_kill:<10} "
            f"recover {'/'.join(str(x) for x in d.recover_exits)}"
            f"{' (kill ' + d.recover_kill + ')' if d.recover_kill else ''} "
            f"outcome {','.join(d.outcomes) or '-'} verify {d.verify_exit}"
            f"{'  LEFT ' + left if left else ''}"
            f"{'  NO OUTCOME' if d.runs_without_outcome else ''}")

    @staticmethod
    def tail(path, n=3):
        try:
            with open(path, errors="replace") as f:
                return " | ".join(line.strip() for line in f.readlines()[-n:])
        except OSError:
            return ""

    def describe(self, d):
        """Everything needed to reproduce a missed goal by hand."""
        log(f"\n=== drill {d.n} ({d.kind}, planned '{d.planned}', killed in '{d.killed_in}') "
            "missed a goal ===")
        log(f"kept: {d.dir}")
        for f in d.faults:
            log(f"  fault {f.id} ({f.kind}): in place at kill: {f.in_place_at_kill}; "
                f"0 s after recover: {f.left_0s or 'gone'}; "
                f"5 s after: {f.left_5s or 'gone'}")
        log(f"  run exit: {d.run_exit}; recover exits: {d.recover_exits}"
            f"{'; recover killed ' + d.recover_kill if d.recover_kill else ''}")
        log(f"  runs: {d.runs}; without an outcome: {d.runs_without_outcome}; "
            f"records list outcome: {d.list_outcome}; verify exit {d.verify_exit}: "
            f"{d.verify_output.strip()[-400:]}")
        for note in d.notes:
            log(f"  note: {note}")
        DB_ERRORS.pop(d.state, None)
        log("  ledger:")
        for r in ledger(d.state):
            r = {k: v for k, v in r.items() if k not in ("drill_source", "drill_file")}
            log(f"    {json.dumps(r)}")
        log("  events:")
        for e in events(d.state):
            log(f"    {e['seq']:>3} {e['kind']:<20} {e['actor']:<10} {e['payload'][:300]}")
        if d.state in DB_ERRORS:
            log(f"  (reading {d.state}: {DB_ERRORS[d.state]})")
        log(f"  recover output: {self.tail(d.path('recover.out'), 20)}")

    def close(self):
        """On interruption: recover the drill in progress, then clean everything up."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGKILL)
            self.child.wait()
        d = self.current
        if d is not None and d.dir:
            log(f"interrupted during drill {d.n}: recovering it, then cleaning up")
            if os.path.exists(d.state):
                rc, out = sh([self.fd, "recover", "--state", d.state], RECOVER_LIMIT)
                log(f"  recover: exit {rc}: {out.strip()[-300:]}")
            self.clean(d)
        self.stop.set()
        self.checker.join(timeout=RECOVER_LIMIT)
        # Anything of this session that is still around (a drill the loop never finished).
        for p in processes():
            if p.tag.startswith(self.session + "-"):
                for sig in (signal.SIGCONT, signal.SIGKILL):
                    try:
                        os.kill(p.pid, sig)
                    except OSError:
                        pass

    def finish(self):
        if self.upstream:
            self.upstream.stop()
        kept = os.path.isdir(self.keep) and os.listdir(self.keep)
        if kept and not self.keep.startswith(self.work):
            shutil.rmtree(self.work, ignore_errors=True)
        elif not kept:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            for name in os.listdir(self.work):
                if name != "kept":
                    path = os.path.join(self.work, name)
                    if os.path.isdir(path):
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        os.unlink(path)


# --- the figures --------------------------------------------------------------------------------


def figures(drills, kinds):
    def row(ds):
        phases = collections.Counter(d.killed_in for d in ds)
        faults = [f for d in ds for f in d.faults]
        mains = [f for d in ds for f in d.faults if f.kind == d.kind and
                 (d.kind != "command" or f.id == "slow")]
        return {
            "drills": len(ds),
            "kills": {p: phases.get(p, 0) for p in PHASES},
            "no_kill": sum(v for k, v in phases.items() if k.startswith("no kill")),
            "in_place_at_kill": sum(f.in_place_at_kill for f in faults),
            "main_in_place_at_kill": sum(f.in_place_at_kill for f in mains),
            "recover_killed": sum(1 for d in ds if "SIGKILL" in d.recover_exits),
            "left_0s": sum(1 for f in faults if f.left_0s),
            "left_5s": sum(1 for f in faults if f.left_5s),
            "runs": sum(d.runs for d in ds),
            "runs_without_outcome": sum(len(d.runs_without_outcome) for d in ds),
            "verify_failures": sum(1 for d in ds if d.verify_exit != 0),
            "recover_not_ok": sum(1 for d in ds if d.recover_exits and d.recover_exits[-1] != 0),
            "strays_5s": sum(len(d.strays_5s) for d in ds),
        }

    out = {"per_kind": {k: row([d for d in drills if d.kind == k]) for k in kinds},
           "all": row(drills)}
    out["all"]["outcomes"] = dict(collections.Counter(o for d in drills for o in d.outcomes))
    return out


def print_table(fig, kinds):
    cols = [("drills", 6), ("before", 6), ("during", 6), ("active", 6), ("restor-", 7),
            ("no", 5), ("in place", 8), ("recover", 7), ("left", 5), ("left", 5), ("runs w/o", 8),
            ("verify", 6)]
    under = ["", "inject", "inject", "", "ing", "kill", "at kill", "killed", "0 s", "5 s",
             "outcome", "failed"]
    width = 22 + sum(w + 1 for _, w in cols)
    log("\n" + " " * 30 + "kill moment by phase")
    log(f"{'kind':<22}" + "".join(f" {n:>{w}}" for n, w in cols))
    log(f"{'':<22}" + "".join(f" {u:>{w}}" for u, (_, w) in zip(under, cols)))
    log("-" * width)
    for name, r in [(k, fig["per_kind"][k]) for k in kinds] + [("all", fig["all"])]:
        if name == "all":
            log("-" * width)
        k = r["kills"]
        values = [r["drills"], k["before inject"], k["during inject"], k["active"],
                  k["restoring"], r["no_kill"], r["in_place_at_kill"], r["recover_killed"],
                  r["left_0s"], r["left_5s"], r["runs_without_outcome"], r["verify_failures"]]
        log(f"{name:<22}" + "".join(f" {v:>{w}}" for v, (_, w) in zip(values, cols)))
    a = fig["all"]
    log(f"\nin place at kill: faults (the kind's own and its command companion) in place when "
        f"`run` was SIGKILLed; of the kinds' own faults: {a['main_in_place_at_kill']}")
    log(f"runs: {a['runs']}; outcomes: {a['outcomes']}")
    log(f"recover exits other than 0 (after the last recover): {a['recover_not_ok']}; "
        f"stray processes 5 s after recover: {a['strays_5s']}")
    goals = [("faults left 0 s after recover", a["left_0s"]),
             ("faults left 5 s after recover", a["left_5s"]),
             ("runs without an outcome", a["runs_without_outcome"]),
             ("verify failures", a["verify_failures"])]
    log("goals: " + "; ".join(f"{n}: {v} (goal 0){'' if v == 0 else ' MISSED'}"
                              for n, v in goals))
    return all(v == 0 for _, v in goals)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--firedrill", default=os.environ.get("FIREDRILL_BIN"),
                   help="the firedrill binary (default $FIREDRILL_BIN)")
    p.add_argument("--drills", type=int, default=200)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--kinds", default=",".join(ALL_KINDS),
                   help="comma-separated fault kinds to soak (default: every local kind)")
    p.add_argument("--recover-kill", type=float, default=0.1,
                   help="share of drills whose recover is SIGKILLed once (default 0.1)")
    p.add_argument("--keep", default=None,
                   help="where to keep the directories of drills that missed a goal")
    p.add_argument("--skip-recover", action="store_true",
                   help="do not run recover: checks the soak itself (every fault in place at "
                        "the kill must then be counted as left)")
    p.add_argument("--describe", type=int, default=10,
                   help="describe in full at most this many drills that missed a goal")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args()
    if not args.firedrill or not os.access(args.firedrill, os.X_OK):
        p.error("--firedrill (or FIREDRILL_BIN) must name the firedrill binary")
    args.firedrill = os.path.abspath(args.firedrill)
    wanted = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in ALL_KINDS]
    if unknown:
        p.error(f"unknown kinds {unknown}; known: {', '.join(ALL_KINDS)}")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    args.interrupted = False

    caps = Capabilities(wanted)
    stat = os.stat(args.firedrill)
    log(f"crash soak: {args.drills} drills, seed {args.seed} (rerun with --seed {args.seed})")
    log(f"firedrill: {args.firedrill} (modified "
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(stat.st_mtime))})")
    for kind, why in caps.skipped.items():
        log(f"WARN: skipping {kind}: {why}")
    if not caps.kinds:
        log("WARN: no kind can run here; nothing soaked")
        return 0
    log(f"kinds: {', '.join(caps.kinds)}")

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    soak = Soak(args, caps)
    started = time.monotonic()
    try:
        soak.run(soak.plan())
    except KeyboardInterrupt:
        args.interrupted = True
        log("\ninterrupted: cleaning up")
        soak.close()
        soak.finish()
        fig = figures(soak.done, caps.kinds)
        print_table(fig, caps.kinds)
        return 130
    except BaseException:
        args.interrupted = True
        soak.close()
        soak.finish()
        raise
    soak.close()
    elapsed = time.monotonic() - started
    fig = figures(soak.done, caps.kinds)
    fig["seed"] = args.seed
    fig["skipped"] = caps.skipped
    fig["seconds"] = round(elapsed)
    ok = print_table(fig, caps.kinds)
    log(f"{len(soak.done)} drills in {elapsed:.0f} s")
    kept = [d.dir for d in soak.done if d.failed()]
    if kept:
        log(f"kept for inspection: {', '.join(kept)}")
    soak.finish()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(fig, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
