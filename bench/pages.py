"""Page-speed benchmark: time from login and to a task page being ready in real Chromium (Playwright).

Run by hand (not a test)::

    .venv/bin/python -m bench.pages --runs 7 --backend postgresql \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

One fresh database with the demo, served on a loopback port by ``ecoloop serve`` (Werkzeug, threaded: what
``make demo`` runs; ``--server werkzeug``, the default) or by gunicorn (``--server gunicorn``: ``--workers``
processes of two threads, as ``bench.api`` serves it); Debian's headless Chromium as the tests launch it. Each run
opens a new browser context (empty cache), logs in as the county reviewer ``county-440106`` and measures:

- ``login``: from submitting the login form to the load event of the first page (the 工作台);
- ``task cold``: a task page after the browser's cache was cleared (CDP ``Network.clearBrowserCache``);
- ``task warm``: the same task page again, with whatever the cache kept from the visit before.

A page is ready at its load event (every script ran, the stylesheets and fonts in use are loaded); the figure
is the browser's own Navigation Timing (``loadEventEnd`` of the navigation entry), so Playwright's round trips
are not counted. The figures (min / median / max over the runs), the static requests each page made and the
machine go to stdout.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.api import SECRET, _free_port, _wait_until_up, gunicorn
from bench.databases import DEFAULT_PG_URL, bench_database, machine
from engine.db import make_engine, make_session_factory
from engine.demo.bootstrap import seed

log = logging.getLogger("bench.pages")

USER = "county-440106"
PASSWORD = "demo"
TARGET_TASK_READY_MS = 1000.0
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
LOAD_MS = ("(() => { const n = performance.getEntriesByType('navigation')[0];"
           " return n.loadEventEnd - n.startTime; })()")


@dataclass
class Figures:
    """The ready times of one measured step over the runs, and the static requests of its last run."""

    label: str
    ms: list[float] = field(default_factory=list)
    requests: str = ""

    def line(self) -> str:
        return (f"{self.label:<10} min {min(self.ms):7.0f} ms   median {statistics.median(self.ms):7.0f} ms   "
                f"max {max(self.ms):7.0f} ms   ({len(self.ms)} runs; {self.requests})")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    pg_url = args.pg_url if args.backend == "postgresql" else None
    with bench_database(args.backend, args.pg_url) as url:
        _seed(url)
        server = gunicorn(url, args.workers, 2) if args.server == "gunicorn" else ecoloop_serve(url)
        with server as base_url:
            results = measure(base_url, args.runs)
    served = f"gunicorn {args.workers} workers × 2 threads" if args.server == "gunicorn" else "ecoloop serve"
    print(f"# page speed, {args.backend}, {served}, user {USER}")
    for figures in results:
        print(figures.line())
    task_cold = statistics.median(results[1].ms)
    print(f"target: task page ready < {TARGET_TASK_READY_MS:.0f} ms (cold median {task_cold:.0f} ms: "
          f"{'met' if task_cold < TARGET_TASK_READY_MS else 'missed'})")
    for key, value in machine(pg_url).items():
        print(f"{key}: {value}")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="browser contexts, each a login and two task visits")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--server", choices=("werkzeug", "gunicorn"), default="werkzeug")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    return parser.parse_args(argv)


@contextmanager
def ecoloop_serve(database_url: str) -> Iterator[str]:
    """Serve the app with ``ecoloop serve`` (Werkzeug, threaded) on a free loopback port until the block ends."""
    port = _free_port()
    env = {**os.environ, "ECOLOOP_DATABASE_URL": database_url, "ECOLOOP_SECRET_KEY": SECRET,
           "ECOLOOP_RUN_SCHEDULER_IN_WEB": "0"}
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve", "--host", "127.0.0.1",
               "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _seed(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        seed(session)
    engine.dispose()


def measure(base_url: str, runs: int) -> list[Figures]:
    """Log in and visit a task page ``runs`` times, each in a fresh browser context."""
    login, cold, warm = Figures("login"), Figures("task cold"), Figures("task warm")
    with _browser() as browser:
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                          timezone_id="Asia/Shanghai")
            try:
                page = context.new_page()
                login.ms.append(_login(page, base_url))
                login.requests = _static_requests(page)
                page.goto(base_url + "/tasks/")
                task_url = base_url + page.get_attribute("a.subject", "href")
                context.new_cdp_session(page).send("Network.clearBrowserCache")
                for figures in (cold, warm):
                    page.goto(task_url, wait_until="load")
                    figures.ms.append(float(page.evaluate(LOAD_MS)))
                    figures.requests = _static_requests(page)
            finally:
                context.close()
    return [login, cold, warm]


def _login(page: Any, base_url: str) -> float:
    page.goto(base_url + "/login")
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")
    return float(page.evaluate(LOAD_MS))


STATIC_REQUESTS = """(() => {
  const seen = {network: 0, revalidated: 0, cache: 0};
  for (const r of performance.getEntriesByType('resource')) {
    if (!r.name.includes('/static/')) continue;
    if (r.transferSize === 0) seen.cache += 1;  // no request left the browser
    else if (r.encodedBodySize === 0 || r.transferSize < r.encodedBodySize) seen.revalidated += 1;  // a 304
    else seen.network += 1;
  }
  return seen;
})()"""


def _static_requests(page: Any) -> str:
    """The page's requests for ``/static/`` files: fetched, revalidated (304) and answered from the cache."""
    seen = page.evaluate(STATIC_REQUESTS)
    return f"static files: {seen['network']} fetched, {seen['revalidated']} × 304, {seen['cache']} from cache"


@contextmanager
def _browser() -> Iterator[Any]:
    path = shutil.which("chromium")
    if path is None:
        raise SystemExit("chromium is not installed (make system-packages)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


if __name__ == "__main__":
    sys.exit(main())
