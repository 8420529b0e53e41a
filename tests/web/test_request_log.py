"""Request ids: X-Request-ID in and out, one JSON line per request, the id in audit events, problem+json errors
and the HTML error page's reference number."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.audit.models import AuditEvent
from tests.web.conftest import Browser
from web import request_log


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def lines() -> Iterator[_Lines]:
    handler = _Lines()
    request_log.log.addHandler(handler)
    yield handler
    request_log.log.removeHandler(handler)


def test_the_callers_id_is_kept_and_logged_in_one_json_line(app: Flask, lines: _Lines) -> None:
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "nginx-7f3a9c"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a9c"
    [line] = lines.lines
    assert line["event"] == "request" and line["request_id"] == "nginx-7f3a9c"
    assert (line["method"], line["path"], line["endpoint"], line["status"]) == ("GET", "/healthz",
                                                                                "api_health.healthz", 200)
    assert line["duration_ms"] >= 0


@pytest.mark.parametrize("offered", [None, "", "has spaces", "x" * 65, "<script>"])
def test_a_missing_or_odd_id_is_replaced_by_a_new_one(app: Flask, offered: str | None) -> None:
    headers = {"X-Request-ID": offered} if offered is not None else {}
    rid = app.test_client().get("/healthz", headers=headers).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", rid)


def test_audit_events_of_a_request_carry_its_id(app: Flask, browser: Browser, lines: _Lines) -> None:
    browser.get("/login")
    response = browser.client.post("/login", data={"username": "county-440106", "password": "demo",
                                                   "csrf_token": browser.token},
                                   headers={"X-Request-ID": "login-req-1"})
    assert response.status_code == 302 and response.headers["X-Request-ID"] == "login-req-1"
    with app.extensions["ecoloop.sessions"]() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login")
                                      .order_by(AuditEvent.seq.desc()).limit(1)))
    assert events and events[0].payload["request_id"] == "login-req-1"
    browser.client.get("/tasks/", headers={"X-Request-ID": "after-login-1"})
    assert [line["user"] for line in lines.lines if line["request_id"] == "after-login-1"] == ["county-440106"]


def test_problem_json_names_the_request(app: Flask) -> None:
    response = app.test_client().get("/api/v1/no-such-thing", headers={"X-Request-ID": "api-miss-1"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["request_id"] == "api-miss-1"


def test_the_error_page_shows_the_reference_number(app: Flask) -> None:
    response = app.test_client().get("/no-such-page", headers={"X-Request-ID": "page-miss-1"})
    assert response.status_code == 404
    assert re.search(r'id="reference">[^<]*<code>page-miss-1</code>', response.get_data(as_text=True))
