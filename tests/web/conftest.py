"""A demo-seeded app per test module on each backend, and a logged-in client helper that handles CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.demo.bootstrap import seed
from tests.conftest import BACKENDS
from tests.support.databases import fresh_database
from web import create_app

CSRF_PATTERN = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="module", params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("web")
    with fresh_database(request.param, tmp) as url:
        app = create_app({"DATABASE_URL": url, "EVIDENCE_DIR": str(tmp / "evidence"), "RUN_SCHEDULER_IN_WEB": "0",
                          "MAX_UPLOAD_MB": "1"})
        with app.extensions["ecoloop.sessions"].begin() as session:
            seed(session)
        yield app
        app.extensions["ecoloop.engine"].dispose()


class Browser:
    """A test client that logs in through the form and sends the page's CSRF token like the browser does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def get(self, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        response = self.client.get(path, **kwargs)
        match = CSRF_PATTERN.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, path: str, data: dict[str, object] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.token)
        return self.client.post(path, data=payload, **kwargs)

    def login(self, username: str, password: str = "demo"):  # type: ignore[no-untyped-def]
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


def login(app: Flask, username: str) -> Browser:
    browser = Browser(app.test_client())
    response = browser.login(username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


@pytest.fixture
def tmp_file(tmp_path: Path) -> Path:
    return tmp_path
