"""Forwarded headers count only from trusted proxies: the log-in throttle keys by the real client behind nginx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, request

from engine.config import ConfigError
from tests.support.databases import fresh_database
from web import create_app
from web.proxies import parse

PROXY = "10.0.0.5"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database("sqlite", tmp_path_factory.mktemp("proxies")) as url:
        yield url


def _app(database: str, tmp: Path, trusted: str) -> Flask:
    app = create_app({"DATABASE_URL": database, "EVIDENCE_DIR": str(tmp), "RUN_SCHEDULER_IN_WEB": "0",
                      "TRUSTED_PROXIES": trusted, "LOGIN_RATE_LIMIT": "2 per minute", "TESTING": "1"})
    app.config["WTF_CSRF_ENABLED"] = False
    app.add_url_rule("/_seen", "seen", lambda: f"{request.remote_addr} {request.scheme}")
    return app


def _fail_login(app: Flask, client_address: str, peer: str = PROXY) -> int:
    response = app.test_client().post("/login", data={"username": "nobody", "password": "wrong"},
                                      environ_base={"REMOTE_ADDR": peer},
                                      headers={"X-Forwarded-For": client_address})
    return response.status_code


@pytest.mark.parametrize("trusted", [PROXY, "10.0.0.0/24", "1"])
def test_a_trusted_proxy_forwards_the_client_address_and_scheme(database: str, tmp_path: Path, trusted: str) -> None:
    app = _app(database, tmp_path, trusted)
    seen = app.test_client().get("/_seen", environ_base={"REMOTE_ADDR": PROXY},
                                 headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen.get_data(as_text=True) == "203.0.113.7 https"
    assert [_fail_login(app, "203.0.113.1") for _ in range(3)][-1] == 429
    assert _fail_login(app, "203.0.113.2") != 429  # another client behind the same proxy is not throttled


def test_forwarded_headers_from_anyone_else_are_ignored(database: str, tmp_path: Path) -> None:
    app = _app(database, tmp_path, PROXY)
    seen = app.test_client().get("/_seen", environ_base={"REMOTE_ADDR": "198.51.100.9"},
                                 headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen.get_data(as_text=True) == "198.51.100.9 http"
    # a client rotating the header it sends is still throttled by its own address
    codes = [_fail_login(app, f"203.0.113.{n}", peer="198.51.100.9") for n in range(3)]
    assert codes[-1] == 429


def test_without_the_setting_no_header_is_trusted(database: str, tmp_path: Path) -> None:
    app = _app(database, tmp_path, "")
    seen = app.test_client().get("/_seen", environ_base={"REMOTE_ADDR": PROXY}, headers={"X-Forwarded-For": "1.2.3.4"})
    assert seen.get_data(as_text=True) == f"{PROXY} http"


def test_a_bad_entry_is_named() -> None:
    with pytest.raises(ConfigError, match="'nginx'"):
        parse("10.0.0.1, nginx")
