#!/usr/bin/python3
"""A drill's report file in a real browser: `firedrill report ID --html FILE` for a real run of a
drill with a hostile title, opened by headless Chromium (Debian's chromium and chromium-driver,
driven by python3-selenium) from a file:// URL.

    report_browser_test.py FIREDRILL_BIN WORK_DIR

Checks that the page shows the drill, its verdicts and its timeline picture; that the hostile
title is text, not markup (no script element, no alert, no image); that the browser console has
no errors (a request the page's Content-Security-Policy blocked would be one); that it is usable
360 pixels wide (nothing wider than the screen but the scrollable tables and the picture); and
that it prints to PDF. Saves a screenshot at 1000 and at 360 pixels in WORK_DIR.
Exits 77 (CTest skip) with the reason when Chromium, its driver or Selenium is missing.
"""
import datetime
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "support"))
from console_driver import SKIP, browser_missing, start_chromium  # noqa: E402


def main(argv):
    firedrill, work = argv[1], argv[2]
    missing = browser_missing()
    if missing:
        print(f"SKIP: {missing}")
        return SKIP
    from selenium.common.exceptions import UnexpectedAlertPresentException

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    state = os.path.join(work, "state")
    marker = os.path.join(work, "in-place")
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
    end = start + datetime.timedelta(seconds=4)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    hostile = '<script>alert(1)</script>\\"><img src=x onerror=alert(2)> javascript:alert(3)'
    drill = os.path.join(work, "hostile.toml")
    with open(drill, "w") as f:
        f.write(f'''id = "hostile"
title = "{hostile}"
service = "web"
owner = "lead@example.com"
playbook = "runbook.md"
[objectives]
detect_within = "5m"
[window]
start = {start.strftime(fmt)}
end = {end.strftime(fmt)}
zone = "Europe/Copenhagen"
[targets.here]
local = true
[[faults]]
id = "marker"
kind = "command"
target = "here"
inject = "touch '{marker}'"
check = "test -f '{marker}'"
restore = "rm -f '{marker}'"
restore_timeout = "1s"
[[probes]]
name = "no-marker"
kind = "command"
target = "here"
command = "test ! -f '{marker}'"
interval = "500ms"
timeout = "400ms"
''')
    run = subprocess.run([firedrill, "run", "--state", state, drill], capture_output=True,
                         text=True, timeout=120)
    if run.returncode != 0:
        print(run.stdout, run.stderr)
        print(f"FAIL: firedrill run exited {run.returncode}")
        return 1
    html = os.path.join(work, "report.html")
    report = subprocess.run([firedrill, "report", "hostile", "--html", html, "--state", state],
                            capture_output=True, text=True, timeout=60)
    if report.returncode != 0:
        print(report.stdout, report.stderr)
        print(f"FAIL: firedrill report exited {report.returncode}")
        return 1

    browser = start_chromium(1000, 900)
    problems = []
    try:
        browser.set_page_load_timeout(60)
        try:
            browser.get("file://" + html)
            heading = browser.find_element("css selector", "h1").text
        except UnexpectedAlertPresentException:
            print("FAIL: the hostile title ran a script (an alert opened)")
            return 1
        if "<script>alert(1)</script>" not in heading:
            problems.append(f"the title is not shown as text: {heading!r}")
        count = browser.execute_script("return document.querySelectorAll('script,img').length")
        if count != 0:
            problems.append(f"{count} script or img elements in the page")
        body = browser.find_element("css selector", "body").text
        for words in ("Detection and recovery", "Timeline", "restored and verified",
                      "The event chain of the whole record verifies"):
            if words not in body:
                problems.append(f"the page does not say {words!r}")
        if browser.execute_script("return document.querySelectorAll('svg.timeline').length") != 1:
            problems.append("no timeline picture")
        browser.save_screenshot(os.path.join(work, "report-1000.png"))
        browser.set_window_size(360, 800)
        wide = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if wide > 0:
            problems.append(f"at 360 px the page is {wide} px wider than the screen")
        browser.save_screenshot(os.path.join(work, "report-360.png"))
        errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
        for e in errors:
            problems.append(f"browser console: {e.get('message')}")
        pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
        if not pdf.get("data"):
            problems.append("printing to PDF gave nothing")
    finally:
        browser.quit()
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"ok: {html} in Chromium; screenshots in {work}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
