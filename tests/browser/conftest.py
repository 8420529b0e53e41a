"""Browser tests in real headless Chromium (Debian's, driven by Playwright): a live server per module.

Each module gets its own database (SQLite, and PostgreSQL when ``ECOLOOP_TEST_DATABASE_URL`` is set), seeded
with the demo, and the app served on a free port from a thread. ``playwright install`` is never called:
the system ``chromium`` is used; in CI (``CI=true``) its absence fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from engine.demo.bootstrap import seed
from tests.conftest import BACKENDS
from tests.support.databases import fresh_database
from web import create_app

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@dataclass
class LiveServer:
    url: str
    app: Flask

    def sessions(self) -> Any:
        return self.app.extensions["ecoloop.sessions"]


@dataclass
class Tab:
    """A page with the JavaScript errors it raised, so tests can assert a page ran cleanly."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def login(self, username: str, password: str = "demo") -> None:
        self.go("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")

    def logout(self) -> None:
        """Log out through the page's own form (the server ends the session), then drop the cookies."""
        with self.page.expect_navigation():
            self.page.evaluate("document.querySelector('form[action$=\"/logout\"]').submit()")
        self.page.context.clear_cookies()


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
        pytest.skip("chromium is not installed")
    return path


@contextmanager
def serve(backend: str, tmp: Path) -> Iterator[LiveServer]:
    """A fresh database with the demo, served from a thread on a free port."""
    with fresh_database(backend, tmp) as url:
        app = create_app({"DATABASE_URL": url, "EVIDENCE_DIR": str(tmp / "evidence"), "RUN_SCHEDULER_IN_WEB": "0"})
        with app.extensions["ecoloop.sessions"].begin() as session:
            seed(session)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            app.extensions["ecoloop.engine"].dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(request.param, tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def open_tab(chromium: Any, live: LiveServer, viewport: dict[str, int] = DESKTOP) -> Tab:
    context = chromium.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(30_000)
    page = context.new_page()
    tab = Tab(page, live.url)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    page.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    return tab


@pytest.fixture
def tab(chromium: Any, live: LiveServer) -> Iterator[Tab]:
    opened = open_tab(chromium, live)
    yield opened
    opened.page.context.close()
