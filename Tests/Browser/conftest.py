"""Fixtures for the browser tests: a real shinchoku-server (--demo, with its own embedded PostgreSQL in a
temporary directory, on a free loopback port) and headless Chromium driven through WebDriver.

Run from the repository root after `swift build --product shinchoku-server`:

    python3 -m pytest Tests/Browser

SHINCHOKU_SERVER names another server binary; SCREENSHOTS names where screenshots go (default docs/screenshots).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoServer:
    """A shinchoku-server --demo process and what it printed: its address and the demo accounts' passwords."""

    def __init__(self):
        binary = os.environ.get("SHINCHOKU_SERVER") or str(ROOT / ".build" / "debug" / "shinchoku-server")
        if not Path(binary).exists():
            raise RuntimeError(f"{binary} does not exist: run `swift build --product shinchoku-server` first")
        # A short path: PostgreSQL's Unix socket lives in the data directory.
        self.directory = tempfile.mkdtemp(prefix="skb-", dir="/tmp")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output = []
        self.process = subprocess.Popen(
            [binary, "--demo", "--demo-data-directory", os.path.join(self.directory, "pg"),
             "--port", str(self.port), "--log-level", "warning"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=self.directory)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.passwords = {}
        self._wait_until_ready()

    def _read(self):
        for line in self.process.stdout:
            self.output.append(line)

    def _wait_until_ready(self, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("shinchoku-server exited:\n" + "".join(self.output))
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200 and self._parse_accounts():
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("shinchoku-server did not become ready:\n" + "".join(self.output))

    def _parse_accounts(self) -> bool:
        text = "".join(self.output)
        if "Demo accounts" not in text:
            return False
        table = text.split("Demo accounts", 1)[1].split("\n\n", 1)[0]
        for line in table.splitlines()[2:]:
            parts = line.split()
            if len(parts) == 4:
                self.passwords[parts[0]] = parts[3]
        return "ports" in self.passwords and "planning" in self.passwords

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    s = DemoServer()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def screenshots():
    directory = Path(os.environ.get("SCREENSHOTS", ROOT / "docs" / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--lang=ja-JP", "--disable-gpu"):
        options.add_argument(argument)
    d = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    d.set_page_load_timeout(60)
    yield d
    d.quit()
