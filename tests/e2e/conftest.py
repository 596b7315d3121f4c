"""Browser tests: the real app served by Streamlit, driven in Debian's Chromium through Playwright.

Never downloads a browser (``playwright install`` is impossible here): the tests launch
/usr/bin/chromium, which scripts/test.sh installs from Debian's packages. Every request to a host
other than 127.0.0.1/localhost is recorded and refused (the app must work with no internet), and
any browser console error or Streamlit exception element fails the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """A running ``streamlit run app.py`` with its own data folder."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log = data_dir.parent / f"streamlit-{self.port}.log"
        full_env = {**os.environ, "SAR_PLANNER_DATA_DIR": str(data_dir), **(env or {})}
        if "SAR_PLANNER_DATABASE_URL" not in (env or {}):
            full_env.pop("SAR_PLANNER_DATABASE_URL", None)  # the default SQLite file in data_dir
        self._logfh = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.headless", "true", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=full_env, stdout=self._logfh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit did not answer /_stcore/health within 60 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._logfh.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = AppServer(tmp_path_factory.mktemp("e2e") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed at /usr/bin/chromium: "
                    "run `bash scripts/test.sh`, which installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic", "--enable-unsafe-swiftshader"])
        yield b
        b.close()


class Guard:
    """What the page did that a test must not allow: remote requests, console errors."""

    def __init__(self) -> None:
        self.remote_requests: list[str] = []
        self.console_errors: list[str] = []


def _new_page(browser, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    # the CI machine has 2 cores shared by the app server, Chromium and pytest: a step that takes
    # a second here can take tens of seconds there; waits without their own timeout get 90 s
    # (Playwright's default is 30 s), so only a page that truly never shows fails a test
    context.set_default_timeout(90_000)
    page = context.new_page()
    guard = Guard()

    def route(r):
        host = urlparse(r.request.url).hostname or ""
        if r.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            r.continue_()
        else:
            guard.remote_requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: guard.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: guard.console_errors.append(str(e)))
    return context, page, guard


@pytest.fixture
def page_en(browser, app_server):
    """A fresh browser page with an English locale; checks the guard after the test."""
    context, page, guard = _new_page(browser, "en-US")
    yield page
    try:
        assert not guard.remote_requests, f"the app asked for remote hosts: {guard.remote_requests}"
        assert not guard.console_errors, f"browser console errors: {guard.console_errors}"
    finally:
        context.close()


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit is connected, finished running the script, and showing no skeleton."""
    page.wait_for_selector("[data-testid='stAppViewContainer']", state="attached", timeout=timeout_ms)
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
                           timeout=timeout_ms)
    page.wait_for_function(
        "() => { const a = document.querySelector(\"[data-testid='stApp']\");"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector(\"[data-testid='stSkeleton']\"); }",
        timeout=timeout_ms)
    assert page.locator("[data-testid='stException']").count() == 0, \
        page.locator("[data-testid='stException']").first.inner_text()
