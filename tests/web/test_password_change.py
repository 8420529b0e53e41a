"""修改密码 in the web UI and the API (#24 item 3): change, forced change after a reset, old credentials refused."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from engine.actors import Role
from engine.audit.models import AuditEvent
from tests.web.conftest import Browser, login
from tests.web.ui_support import add_user, sessions

NEW = "Qingshan&Lvshui9"


def _fresh(app: Flask, name: str) -> str:
    add_user(app, name, Role.CITY_REVIEWER, "440100")
    return name


def test_page_shows_the_policy_in_chinese(app: Flask) -> None:
    browser = login(app, _fresh(app, "pw-page"))
    page = browser.get("/account/password").get_data(as_text=True)
    assert "等保二级" in page and "至少 8 位" in page and "不得包含用户名" in page and "最近 5 次" in page


def test_change_ends_the_other_session_and_the_old_password(app: Flask) -> None:
    name = _fresh(app, "pw-change")
    here, elsewhere = login(app, name), login(app, name)
    here.get("/account/password")
    weak = here.post("/account/password", {"current": "demo", "new": "abc", "repeated": "abc"})
    assert weak.status_code == 422 and "3 类" in weak.get_data(as_text=True)
    done = here.post("/account/password", {"current": "demo", "new": NEW, "repeated": NEW})
    assert done.status_code == 302
    assert here.get("/tasks/").status_code == 200  # the session it changed from stays
    assert elsewhere.get("/tasks/").status_code == 302  # the other one ended
    assert Browser(app.test_client()).login(name, "demo").status_code == 401
    assert Browser(app.test_client()).login(name, NEW).status_code == 302
    with sessions(app)() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.password_change",
                                                        AuditEvent.actor == name)).all()


def test_over_long_fields_are_a_field_error(app: Flask) -> None:
    browser = login(app, _fresh(app, "pw-long"))
    browser.get("/account/password")
    response = browser.post("/account/password", {"current": "demo", "new": "x" * 5000, "repeated": "x"})
    assert response.status_code == 422 and "new" in response.get_data(as_text=True)


def test_admin_reset_forces_a_change_at_next_log_in(app: Flask) -> None:
    name = _fresh(app, "pw-reset")
    victim = login(app, name)
    admin = login(app, "admin")
    admin.get("/admin/local-users")
    reset = admin.post("/admin/local-users/password", {"username": name, "password": "Linshi#Mima2026"})
    assert reset.status_code == 302
    assert victim.get("/tasks/").status_code == 302  # its session ended
    again = Browser(app.test_client())
    response = again.login(name, "Linshi#Mima2026")
    assert response.headers["Location"] == "/account/password"
    blocked = again.get("/tasks/")
    assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/password"
    token = app.test_client().post("/api/v1/auth/token", json={"username": name, "password": "Linshi#Mima2026"})
    assert token.status_code == 403
    again.get("/account/password")
    assert again.post("/account/password", {"current": "Linshi#Mima2026", "new": NEW, "repeated": NEW}).status_code \
        == 302
    assert again.get("/tasks/").status_code == 200
    with sessions(app)() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_reset")).all()


def test_only_admins_reset(app: Flask) -> None:
    browser = login(app, "county-440106")
    browser.get("/tasks/")
    response = browser.post("/admin/local-users/password", {"username": "admin", "password": "Linshi#Mima2026"})
    assert response.status_code == 403


def test_change_revokes_the_accounts_bearer_tokens(app: Flask) -> None:
    name = _fresh(app, "pw-token")
    api = app.test_client()
    token = api.post("/api/v1/auth/token", json={"username": name, "password": "demo"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    browser = login(app, name)
    browser.get("/account/password")
    assert browser.post("/account/password", {"current": "demo", "new": NEW, "repeated": NEW}).status_code == 302
    assert api.get("/api/v1/me", headers=headers).status_code == 401
