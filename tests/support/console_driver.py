"""Starting what the console's browser tests and benchmarks drive: `firedrill serve` as a real
process on a free port of 127.0.0.1, and headless Chromium (Debian's chromium and
chromium-driver, driven by python3-selenium).

    daemon = Daemon(firedrill, state, log_path)   # starts `firedrill serve`
    daemon.wait_until_serving()                   # its "serving" line: daemon.port, daemon.base
    daemon.wait_for("[drill-id]", 60)              # a later line of its standard output
    daemon.stop()                                  # terminates it and waits for it to end
    daemon.report()                                # its output and errors, for a failure

    reason = browser_missing()                    # why Chromium cannot be driven, or None
    browser = start_chromium(1000, 900)           # headless, the browser console logged

Imported by path: tests and benchmarks put this folder on sys.path. Selenium is imported only
when a browser is started, so a benchmark without it can start a daemon.
"""
import os
import re
import select
import shutil
import subprocess
import tempfile
import time

SKIP = 77  # CTest's skip code for the tests that need Chromium
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")


class Failure(Exception):
    """A check that failed, with what it expected."""


class Output:
    """A process's standard output, read as it comes (no buffer hides a line from select)."""

    def __init__(self, pipe):
        self.fd = pipe.fileno()
        self.text = ""

    def wait_for(self, needle, seconds):
        """Returns the first line holding `needle` once the process wrote it; raises Failure after
        `seconds` or when the process ends first."""
        deadline = time.monotonic() + seconds
        while True:
            for line in self.text.splitlines():
                if needle in line:
                    return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"the daemon never said {needle!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    raise Failure(f"the daemon ended before it said {needle!r}")
                self.text += chunk.decode(errors="replace")


class Daemon:
    """`firedrill serve --listen 127.0.0.1:0 --state STATE`, its standard output read by
    wait_for and its standard error kept in `log_path` (a temporary file when None)."""

    def __init__(self, firedrill, state, log_path=None):
        if log_path is None:
            self.log = tempfile.TemporaryFile("w+")
        else:
            self.log = open(log_path, "w+")
        self.process = subprocess.Popen(
            [firedrill, "serve", "--listen", "127.0.0.1:0", "--state", state],
            stdout=subprocess.PIPE, stderr=self.log)
        self.output = Output(self.process.stdout)
        self.port = None
        self.base = None

    @property
    def pid(self):
        return self.process.pid

    def wait_until_serving(self, seconds=60):
        """Waits for "firedrill serve: serving DIR on 127.0.0.1:PORT" and sets port and base
        (http://127.0.0.1:PORT); raises Failure when it does not come."""
        first = self.output.wait_for("serving", seconds)
        found = re.search(r"127\.0\.0\.1:(\d+)", first)
        if not found:
            raise Failure(f"serve did not say where it listens: {first!r}")
        self.port = int(found.group(1))
        self.base = f"http://127.0.0.1:{self.port}"
        return self

    def wait_for(self, needle, seconds):
        """The first line of the daemon's output holding `needle` (see Output.wait_for)."""
        return self.output.wait_for(needle, seconds)

    def report(self):
        """The tail of the daemon's output and of its errors."""
        self.log.flush()
        self.log.seek(0)
        return (f"daemon output: {self.output.text[-2000:]}\n"
                f"daemon errors: {self.log.read()[-4000:]}")

    def stop(self):
        """Terminates the daemon and waits for it to end."""
        self.process.terminate()
        self.process.wait(timeout=60)
        self.process.stdout.close()


def browser_missing():
    """Why headless Chromium cannot be driven here (with how to install it), or None."""
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError as e:
        return f"python3-selenium is not installed ({e}); scripts/install-deps.sh --test"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(driver_path) or not shutil.which("chromium"):
        return "chromium and chromium-driver are not installed; scripts/install-deps.sh --test"
    return None


def start_chromium(width, height):
    """Headless Chromium through chromedriver, `width` x `height`, the browser console's
    messages kept for get_log("browser")."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in CHROMIUM_FLAGS + (f"--window-size={width},{height}",):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver_path), options=options)
