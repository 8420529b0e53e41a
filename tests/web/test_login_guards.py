"""Log-in guards with local accounts: CSRF, throttling per address, lockout per account across workers,
idle timeout, logout, and production mode (demo accounts refused, secure cookies)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from engine.actors import Role
from engine.config import ConfigError
from engine.db import utcnow
from engine.demo.accounts import DEMO_PASSWORD
from engine.demo.bootstrap import seed
from engine.identity import local_users as users
from engine.identity.models import LoginFailure
from tests.conftest import BACKENDS
from tests.support.audit import business
from tests.support.databases import fresh_database
from tests.web.conftest import Browser
from tests.web.directory import audit_events, visitor
from web import create_app
from web.cli import main

RESCUE, RESCUE_PASSWORD = "break-glass", "Jinji-Guanli-2024"


@pytest.fixture(scope="module", params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo app with small limits: 3 failed log-ins a minute per address, 3 per account lock it for 10 minutes."""
    tmp = tmp_path_factory.mktemp("web-guards")
    with fresh_database(request.param, tmp) as url:
        app = create_app({"DATABASE_URL": url, "EVIDENCE_DIR": str(tmp / "evidence"), "RUN_SCHEDULER_IN_WEB": "0",
                          "LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_MAX_FAILURES": "3",
                          "LOGIN_LOCKOUT_MINUTES": "10", "SESSION_IDLE_MINUTES": "30"})
        with app.extensions["ecoloop.sessions"].begin() as session:
            seed(session)
        yield app
        app.extensions["ecoloop.engine"].dispose()


def second_worker(app: Flask) -> Flask:
    """Another app on the same database, as a second web worker process would be."""
    settings = app.extensions["ecoloop.settings"]
    return create_app({key: value for key, value in settings.raw.items() if key != "CONFIG"})


def test_login_form_needs_the_csrf_token(app: Flask) -> None:
    browser = visitor(app)
    response = browser.client.post("/login", data={"username": "county-440106", "password": DEMO_PASSWORD})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert browser.get("/tasks/").status_code == 302


def test_failed_logins_are_throttled_per_address(app: Flask) -> None:
    attacker = visitor(app)
    statuses = [attacker.login(f"guess-{n}", "wrong").status_code for n in range(3)]
    assert statuses == [401] * 3
    throttled = attacker.login("county-440106", DEMO_PASSWORD)  # even the right password is not checked now
    assert throttled.status_code == 429
    assert "登录失败次数过多" in throttled.get_data(as_text=True)
    assert int(throttled.headers["Retry-After"]) > 0
    assert attacker.get("/tasks/").status_code == 302
    neighbour = visitor(app)
    assert neighbour.login("county-440106").status_code == 302


def test_successful_logins_do_not_count_towards_the_limit(app: Flask) -> None:
    office = visitor(app)
    for _ in range(4):
        assert office.login("county-440111").status_code == 302


def test_account_locks_across_workers_and_unlocks_after_the_lockout(app: Flask) -> None:
    other = second_worker(app)
    try:
        with time_machine.travel(utcnow(), tick=False) as clock:
            assert visitor(app).login("province", "wrong-1").status_code == 401
            assert visitor(other).login("province", "wrong-2").status_code == 401
            locking = visitor(app).login("Province ", "wrong-3")  # the same account, however it is typed
            assert locking.status_code == 401 and "锁定" in locking.get_data(as_text=True)
            refused = visitor(other).login("province", DEMO_PASSWORD)
            assert refused.status_code == 401
            assert "锁定" in refused.get_data(as_text=True) and "后重试" in refused.get_data(as_text=True)
            assert 590 <= int(refused.headers["Retry-After"]) <= 600
            clock.shift(timedelta(minutes=10, seconds=1))
            assert visitor(other).login("province", DEMO_PASSWORD).status_code == 302
    finally:
        other.extensions["ecoloop.engine"].dispose()
    assert [e.payload["failures"] for e in audit_events(app, "auth.account_locked", "Province ")] == [3]
    assert audit_events(app, "auth.login_failed", "province")[-1].payload["reason"] == "AccountLocked"
    assert failure_row(app, "province") is None  # the success reset the count


def test_success_resets_the_failure_count(app: Flask) -> None:
    browser = visitor(app)
    assert [browser.login("city-440100", "wrong").status_code for _ in range(2)] == [401, 401]
    assert failure_row(app, "city-440100") == 2
    assert browser.login("city-440100").status_code == 302
    assert failure_row(app, "city-440100") is None
    assert [visitor(app).login("city-440100", "wrong").status_code for _ in range(2)] == [401, 401]
    assert visitor(app).login("city-440100").status_code == 302  # 2 + 2 failures, but never 3 in a row


def failure_row(app: Flask, account: str) -> int | None:
    with app.extensions["ecoloop.sessions"]() as session:
        return session.scalar(select(LoginFailure.failures).where(LoginFailure.account == account))


def test_session_ends_after_the_idle_time_not_while_in_use(app: Flask) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        browser = visitor(app)
        assert browser.login("county-440106").status_code == 302
        for _ in range(2):
            clock.shift(timedelta(minutes=29))
            assert browser.get("/tasks/").status_code == 200  # 58 minutes logged in, never 30 idle
        clock.shift(timedelta(minutes=31))
        response = browser.get("/tasks/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_clears_the_session(app: Flask) -> None:
    browser = visitor(app)
    assert browser.login("county-440106").status_code == 302
    browser.get("/tasks/")
    assert browser.post("/logout").status_code == 302
    with browser.client.session_transaction() as cookie:
        assert "actor" not in cookie
    assert browser.get("/tasks/").status_code == 302


def test_login_success_and_failure_are_audited_with_the_client_address(app: Flask) -> None:
    browser = visitor(app)
    address = browser.client.environ_base["REMOTE_ADDR"]
    browser.login("county-440111", "wrong")
    browser.login("county-440111")
    failed = audit_events(app, "auth.login_failed", "county-440111")[-1].payload
    success = audit_events(app, "auth.login", "county-440111")[-1].payload
    assert business(failed) == {"client": address, "reason": "AuthenticationFailed", "failures": 1}
    assert business(success) == {"client": address, "roles": ["county_reviewer"]}


def test_admin_pages_say_when_no_directory_is_configured(app: Flask) -> None:
    admin = visitor(app)
    admin.login("admin")
    response = admin.get("/admin/users")
    assert response.status_code == 200 and "未配置目录服务" in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Production mode on a database that still holds demo accounts, plus a break-glass admin."""
    tmp = tmp_path_factory.mktemp("web-production")
    with fresh_database("sqlite", tmp) as url:
        app = create_app({"DATABASE_URL": url, "EVIDENCE_DIR": str(tmp / "evidence"), "RUN_SCHEDULER_IN_WEB": "0",
                          "ENV": "production", "SECRET_KEY": "a-long-production-secret-for-tests"})
        with app.extensions["ecoloop.sessions"].begin() as session:
            users.create(session, "admin", DEMO_PASSWORD, [Role.ADMIN], region_code="440000", is_demo=True)
            users.create(session, RESCUE, RESCUE_PASSWORD, [Role.ADMIN], region_code="440000")
        yield app
        app.extensions["ecoloop.engine"].dispose()


def test_production_refuses_demo_accounts(production: Flask) -> None:
    response = https(production).login("admin", DEMO_PASSWORD)
    assert response.status_code == 401
    assert audit_events(production, "auth.login_failed", "admin")[-1].payload["reason"] == "AuthenticationFailed"


def test_production_session_cookie_is_secure(production: Flask) -> None:
    response = https(production).login(RESCUE, RESCUE_PASSWORD)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def https(app: Flask) -> Browser:
    browser = visitor(app)
    browser.client.environ_base["wsgi.url_scheme"] = "https"
    return browser


def test_demo_command_refuses_production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLOOP_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("ECOLOOP_ENV", "production")
    monkeypatch.setenv("ECOLOOP_SECRET_KEY", "a-long-production-secret-for-tests")
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code != 0 and "refused in production" in result.output


@pytest.mark.parametrize(("key", "value"), [("LOGIN_RATE_LIMIT", "lots"), ("LOGIN_MAX_FAILURES", "0")],
                         ids=["rate", "max-failures"])
def test_bad_guard_settings_stop_start_up(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"ECOLOOP_{key}"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", key: value})
