#!/usr/bin/python3
"""The monitoring files in docs/monitoring/ work with a real promtool (Debian's prometheus):

    monitoring_docs_test.py SOURCE_DIR

- the alerting rules pass `promtool check rules`, and `promtool test rules` shows that
  FiredrillFaultOutlivesWindow fires for a fault left in place after its window and stays quiet
  while the window is open;
- every query of the Grafana dashboard (panels, annotations, variables) is valid PromQL (checked
  as recording rules by promtool);
- every firedrill_* metric the rules and the dashboard use is one the daemon exports
  (orchestrator/daemon/daemon_metrics.cpp), and every family it exports is in the metrics table of
  docs/running-the-daemon.md.
Exits 77 (CTest skip) with the reason when promtool is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

RULE_TEST = """
rule_files: [{rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # A drill's window open for 20 minutes, its fault in place for 50: left behind.
      - series: 'firedrill_drill_window_open{{job="firedrill",drill="d1",service="s"}}'
        values: '1x20 stale'
      - series: 'firedrill_fault_in_place{{job="firedrill",drill="d1",service="s",fault="f",kind="command",target="here"}}'
        values: '1x50'
      # Another drill's fault in place only while its window is open: never alerted.
      - series: 'firedrill_drill_window_open{{job="firedrill",drill="d2",service="s"}}'
        values: '1x50'
      - series: 'firedrill_fault_in_place{{job="firedrill",drill="d2",service="s",fault="g",kind="command",target="here"}}'
        values: '1x50'
    alert_rule_test:
      - eval_time: 10m
        alertname: FiredrillFaultOutlivesWindow
        exp_alerts: []
      - eval_time: 30m
        alertname: FiredrillFaultOutlivesWindow
        exp_alerts: []
      - eval_time: 40m
        alertname: FiredrillFaultOutlivesWindow
        exp_alerts:
          - exp_labels: {{job: firedrill, drill: d1, service: s, fault: f, kind: command, target: here, severity: page}}
            exp_annotations:
              summary: "Fault f of drill d1 is still in place on here after its window"
              description: "Run firedrill recover on the daemon's host, or undo it by hand as firedrill status says."
"""


def run(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def main(argv):
    source = argv[1]
    promtool = shutil.which("promtool")
    if not promtool:
        print("SKIP: promtool is not installed (Debian package prometheus); "
              "scripts/install-deps.sh --test")
        return SKIP
    problems = []
    rules = os.path.join(source, "docs", "monitoring", "firedrill-rules.yml")
    dashboard = os.path.join(source, "docs", "monitoring", "firedrill-dashboard.json")
    code, out = run([promtool, "check", "rules", rules])
    if code != 0:
        problems.append("promtool check rules " + rules + ":\n" + out)
    work = tempfile.mkdtemp()
    try:
        test_file = os.path.join(work, "rules_test.yml")
        with open(test_file, "w") as f:
            f.write(RULE_TEST.format(rules=json.dumps(rules)))
        code, out = run([promtool, "test", "rules", test_file])
        if code != 0:
            problems.append("promtool test rules:\n" + out)

        with open(dashboard) as f:
            dash = json.load(f)
        exprs = []
        for p in dash.get("panels", []):
            for t in p.get("targets", []):
                exprs.append((f"panel {p.get('title')!r}", t["expr"]))
        for a in dash.get("annotations", {}).get("list", []):
            exprs.append((f"annotation {a.get('name')!r}", a["expr"]))
        for v in dash.get("templating", {}).get("list", []):
            q = v.get("query")
            if isinstance(q, dict):
                m = re.fullmatch(r"label_values\((.+),\s*\w+\)", q["query"])
                if m:
                    exprs.append((f"variable {v['name']!r}", m.group(1)))
        if len(exprs) < 8:
            problems.append(f"only {len(exprs)} queries found in the dashboard")
        recording = os.path.join(work, "dashboard_rules.yml")
        with open(recording, "w") as f:
            f.write("groups:\n  - name: dashboard\n    rules:\n")
            for i, (_, expr) in enumerate(exprs):
                expr = expr.replace("$service", ".*")
                f.write(f"      - record: firedrill:dashboard_query_{i}\n")
                f.write(f"        expr: {json.dumps(expr)}\n")
        code, out = run([promtool, "check", "rules", recording])
        if code != 0:
            problems.append("a dashboard query is not valid PromQL:\n" + out)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    with open(os.path.join(source, "orchestrator", "daemon", "daemon_metrics.cpp")) as f:
        exported = set(re.findall(r'Head\(out, "(firedrill_[a-z_]+)"', f.read()))
    if len(exported) < 10:
        problems.append(f"only {len(exported)} metric families found in daemon_metrics.cpp")
    used = set()
    with open(rules) as f:
        used |= set(re.findall(r"firedrill_[a-z_]+", f.read()))
    for _, expr in exprs:
        used |= set(re.findall(r"firedrill_[a-z_]+", expr))
    for name in sorted(used - exported):
        problems.append(f"{name} is used by docs/monitoring/ but the daemon exports no such metric")
    with open(os.path.join(source, "docs", "running-the-daemon.md")) as f:
        documented = set(re.findall(r"^\| `(firedrill_[a-z_]+)", f.read(), re.M))
    for name in sorted(exported - documented):
        problems.append(f"{name} is exported but not in the metrics table of "
                        "docs/running-the-daemon.md")

    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"ok: {len(exprs)} dashboard queries, the rules and their test, "
              f"{len(exported)} metric families documented")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
