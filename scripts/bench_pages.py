"""Benchmark: how long the app's pages take in Chromium (issue 12 targets, on an idle machine:
first page at most 3 s, a page switch at most 1 s).

Starts the app (``streamlit run app.py``, a fresh data folder, as the browser tests do), opens
Debian's Chromium through Playwright (never ``playwright install``; no request leaves the
machine), and times, in wall-clock seconds, from the action to the moment Streamlit has finished
the run and shows no skeleton:

* ``first page``: the app opened in a new browser tab (the sign-in page), on the fresh server
  (``cold``: the first run imports the pages' libraries) and again (``warm``);
* ``sign in``: the sign-in button to the home page;
* each page of the sidebar, visited in turn, ``--rounds`` times (the first visit of a page in a
  server process builds its cached data; later visits are what a crew waits for when switching).

Prints per page the first visit, the median and the worst of the later ones, and the verdict
against the targets. A loaded machine (others' tests, benchmarks) makes every figure longer:
run it when the machine is idle, and read ``os.getloadavg()`` printed with the figures.

    python3 scripts/bench_pages.py [--rounds 3] [--role commander] [--lang en|zh]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.e2e.conftest import CHROMIUM, AppServer, _new_page, wait_for_app  # noqa: E402
from tests.e2e.signin import sign_in_browser  # noqa: E402

_RUNNING = ("() => { const a = document.querySelector(\"[data-testid='stApp']\");"
            " return a && a.getAttribute('data-test-script-state') === 'running'; }")


def _timed_ready(page, action) -> float:
    """Seconds from ``action()`` until the app has run and shows no skeleton."""
    t0 = time.perf_counter()
    action()
    try:  # a fast run may be over before we look: then there is nothing to wait for
        page.wait_for_function(_RUNNING, timeout=1500)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError
        pass
    wait_for_app(page, timeout_ms=120_000)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--role", default="commander")
    ap.add_argument("--lang", default="en", choices=("en", "zh"))
    args = ap.parse_args()
    if not CHROMIUM.exists():
        print("Debian's chromium is not installed at /usr/bin/chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        server = AppServer(Path(tmp) / "data", env={"SAR_PLANNER_LANG": args.lang})
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic",
                  "--enable-unsafe-swiftshader"])
        try:
            locale = "zh-CN" if args.lang == "zh" else "en-US"
            firsts = []
            for label in ("cold", "warm"):
                context, page, _ = _new_page(browser, locale)
                firsts.append((label, _timed_ready(page, lambda p=page: p.goto(server.url))))
                context.close()
            context, page, guard = _new_page(browser, locale)
            t0 = time.perf_counter()
            sign_in_browser(page, server, args.role)  # opens the app and signs in
            signin = time.perf_counter() - t0
            links = page.locator("[data-testid='stSidebarNavLink']")
            names = [links.nth(i).inner_text().strip().splitlines()[-1].strip()  # after the icon
                     for i in range(links.count())]
            times: dict[str, list[float]] = {n: [] for n in names}
            for _ in range(args.rounds + 1):
                for i, n in enumerate(names):
                    times[n].append(_timed_ready(page, lambda i=i: links.nth(i).click()))
            exceptions = page.locator("[data-testid='stException']").count()
            context.close()
        finally:
            browser.close()
            server.stop()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    for label, t in firsts:
        print(f"first page ({label} server): {t:.2f} s  (target <= 3 s: "
              f"{'met' if t <= 3.0 else 'NOT met'})")
    print(f"open + sign in as {args.role}: {signin:.2f} s")
    worst = 0.0
    for n, ts in times.items():
        later = ts[1:]
        med = statistics.median(later)
        worst = max(worst, med)
        print(f"  {n:28s} first visit {ts[0]:5.2f} s, then median {med:5.2f} s, "
              f"worst {max(later):5.2f} s")
    print(f"page switch: worst median {worst:.2f} s (target <= 1 s: "
          f"{'met' if worst <= 1.0 else 'NOT met'}); remote requests {len(guard.remote_requests)}, "
          f"console errors {len(guard.console_errors)}, exceptions shown {exceptions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
