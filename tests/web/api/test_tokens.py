"""API tokens: issued by admins (service, CLI, web page), stored hashed, scoped, revocable, audited."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from engine.db import utcnow
from engine.identity.models import ApiToken
from engine.audit.models import AuditEvent
from tests.web.api.conftest import ApiClient, login, machine, make_app, ready_task_ids
from tests.web.conftest import login as browser_login
from web.cli import main


def _token(app: Flask, token_id: int) -> ApiToken:
    with app.extensions["ecoloop.sessions"]() as session:
        token = session.get(ApiToken, token_id)
        assert token is not None
        return token


def _actions(app: Flask, name: str) -> list[str]:
    with app.extensions["ecoloop.sessions"]() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("token.%"))
                                    .where(AuditEvent.payload["name"].as_string() == name).order_by(AuditEvent.seq)))


def test_token_is_stored_hashed_and_acts_with_its_role(app: Flask) -> None:
    client, token_id = machine(app, "tax-bureau", "tax_client")
    stored = _token(app, token_id)
    assert stored.secret_sha256 == hashlib.sha256(client.token.encode()).hexdigest()
    assert client.token.startswith("ecl_") and len(client.token) >= 40 and stored.prefix == client.token[:12]
    me = client.get("/api/v1/me").get_json()
    assert me == {"username": "token:tax-bureau", "roles": ["tax_client"], "region_code": None,
                  "enterprise_code": None, "display_name": "tax-bureau"}
    assert _token(app, token_id).last_used_at is not None
    assert _actions(app, "tax-bureau") == ["token.create"]


def test_reviewer_token_works_its_county(app: Flask) -> None:
    client, _ = machine(app, "tianhe-system", "county_reviewer", region_code="440106")
    assert ready_task_ids(client) == ready_task_ids(login(app, "county-440106"))


def test_revoked_or_expired_token_is_refused(app: Flask) -> None:
    client, token_id = machine(app, "short-lived", "province_reviewer", region_code="440000")
    assert client.get("/api/v1/tasks").status_code == 200
    with app.extensions["ecoloop.sessions"].begin() as session:
        session.get(ApiToken, token_id).expires_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    expired = client.get("/api/v1/tasks")
    assert expired.status_code == 401 and expired.headers["WWW-Authenticate"].startswith("Bearer")
    other, other_id = machine(app, "to-revoke", "province_reviewer", region_code="440000")
    browser = browser_login(app, "admin")
    browser.get("/admin/tokens/")
    assert browser.post(f"/admin/tokens/{other_id}/revoke").status_code == 302
    assert other.get("/api/v1/tasks").status_code == 401
    assert _actions(app, "to-revoke") == ["token.create", "token.revoke"]


def test_create_refuses_bad_requests_naming_the_field(app: Flask) -> None:
    browser = browser_login(app, "admin")
    browser.get("/admin/tokens/")
    missing_region = browser.post("/admin/tokens/", {"name": "x-county", "role": "county_reviewer"})
    assert missing_region.status_code == 422 and "region_code" in missing_region.get_data(as_text=True)
    machine(app, "taken-name", "tax_client")
    taken = browser.post("/admin/tokens/", {"name": "taken-name", "role": "tax_client"})
    assert taken.status_code == 422
    created = browser.post("/admin/tokens/", {"name": "from-page", "role": "city_reviewer", "region_code": "440100"})
    page = created.get_data(as_text=True)
    secret = re.search(r"(ecl_[A-Za-z0-9_-]{40,})", page)
    assert created.status_code == 201 and secret
    assert ApiClient(app.test_client(), secret.group(1)).get("/api/v1/me").get_json()["region_code"] == "440100"
    listing = browser.get("/admin/tokens/").get_data(as_text=True)
    assert "from-page" in listing and secret.group(1) not in listing


def test_only_admins_manage_tokens(app: Flask) -> None:
    county = browser_login(app, "county-440106")
    assert county.get("/admin/tokens/").status_code == 403


def test_user_token_expires(app: Flask) -> None:
    client = login(app, "county-440106")
    assert client.get("/api/v1/me").status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        late = client.get("/api/v1/me")
    assert late.status_code == 401 and "过期" in late.get_json()["detail"]
    forged = ApiClient(app.test_client(), client.token[:-2] + "xx")
    assert forged.get("/api/v1/me").status_code == 401


def test_login_failure_is_401_and_audited(app: Flask) -> None:
    response = app.test_client().post("/api/v1/auth/token", json={"username": "county-440106", "password": "bad"})
    assert response.status_code == 401 and response.content_type == "application/problem+json"
    with app.extensions["ecoloop.sessions"]() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert last.action == "auth.login_failed" and last.actor == "county-440106"


def test_cli_creates_lists_and_revokes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLOOP_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    created = runner.invoke(main, ["tokens", "create", "--name", "tax", "--role", "tax_client"], catch_exceptions=False)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("ecl_")
    listed = runner.invoke(main, ["tokens", "list"], catch_exceptions=False).output
    assert "tax" in listed and secret[:12] in listed and secret not in listed and "active" in listed
    refused = runner.invoke(main, ["tokens", "create", "--name", "c", "--role", "county_reviewer"])
    assert refused.exit_code == 2 and "region_code" in refused.output
    revoked = runner.invoke(main, ["tokens", "revoke", "1"], catch_exceptions=False)
    assert revoked.exit_code == 0 and "revoked" in runner.invoke(main, ["tokens", "list"]).output
    app = make_app(f"sqlite:///{tmp_path / 'instance' / 'ecoloop.db'}", str(tmp_path / "evidence"))
    assert ApiClient(app.test_client(), secret).get("/api/v1/me").status_code == 401
