"""API log-out (#24 item 4) and tokens that do not outlive their account (#21 item 15)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update

from engine.audit.models import AuditEvent
from engine.identity.models import LocalUser
from engine.identity import access_tokens
from engine.identity import directory_admin
from tests.web.api.conftest import ADMIN_TOKEN, login, machine


def _actions(app: Flask, action: str) -> list[AuditEvent]:
    with app.extensions["ecoloop.sessions"]() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_log_out_ends_the_calling_bearer_token(app: Flask) -> None:
    first, second = login(app, "county-440106"), login(app, "county-440106")
    assert first.get("/api/v1/me").status_code == 200
    assert first.delete("/api/v1/auth/token").status_code == 204
    refused = first.get("/api/v1/me")
    assert refused.status_code == 401 and refused.content_type == "application/problem+json"
    assert first.delete("/api/v1/auth/token").status_code == 401
    assert second.get("/api/v1/me").status_code == 200  # only the calling token ended
    assert any(e.actor == "county-440106" for e in _actions(app, "auth.token_logout"))


def test_log_out_ends_a_machine_clients_api_token(app: Flask) -> None:
    client, _ = machine(app, "logout-probe", "city_reviewer", region_code="440100")
    assert client.get("/api/v1/me").status_code == 200
    assert client.delete("/api/v1/auth/token").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert any(e.payload["name"] == "logout-probe" for e in _actions(app, "token.logout"))


def test_log_out_without_a_token_is_401(app: Flask) -> None:
    assert app.test_client().delete("/api/v1/auth/token").status_code == 401


def test_admin_lists_and_ends_a_persons_tokens(app: Flask) -> None:
    admin = login(app, "admin")
    one, two = login(app, "city-440100"), login(app, "city-440100")
    listed = admin.get("/api/v1/users/city-440100/tokens")
    assert listed.status_code == 200
    ids = [t["id"] for t in listed.get_json()]
    assert len(ids) >= 2 and "secret" not in listed.get_data(as_text=True)
    assert admin.delete(f"/api/v1/users/city-440100/tokens/{ids[0]}").status_code == 204
    assert admin.delete(f"/api/v1/users/city-440100/tokens/{ids[0]}").status_code == 404
    assert admin.delete("/api/v1/users/city-440100/tokens").get_json()["ended"] >= 1
    assert one.get("/api/v1/me").status_code == 401 and two.get("/api/v1/me").status_code == 401
    assert admin.get("/api/v1/users/city-440100/tokens").get_json() == []
    assert any(e.payload["username"] == "city-440100" for e in _actions(app, "auth.token_revoke"))


def test_only_admins_see_other_peoples_tokens(app: Flask) -> None:
    county = login(app, "county-440106")
    assert county.get("/api/v1/users/admin/tokens").status_code == 403
    assert county.delete("/api/v1/users/admin/tokens").status_code == 403


def test_token_of_an_account_disabled_behind_our_back_is_refused(app: Flask) -> None:
    """Disabled directly in the account store (no service ends its tokens): the per-request check refuses it."""
    client = login(app, "province")
    with app.extensions["ecoloop.sessions"].begin() as session:
        session.execute(update(LocalUser).where(LocalUser.username == "province").values(disabled=True))
    try:
        assert client.get("/api/v1/me").status_code == 401
    finally:
        with app.extensions["ecoloop.sessions"].begin() as session:
            session.execute(update(LocalUser).where(LocalUser.username == "province").values(disabled=False))


def test_disabling_an_account_ends_its_tokens_at_once(app: Flask) -> None:
    client = login(app, "county-440111")
    assert client.get("/api/v1/me").status_code == 200  # the account's state is now cached as active
    with app.extensions["ecoloop.sessions"].begin() as session:
        directory_admin.set_local_user_disabled(session, ADMIN_TOKEN, "county-440111", True)
    try:
        assert client.get("/api/v1/me").status_code == 401
    finally:
        with app.extensions["ecoloop.sessions"].begin() as session:
            directory_admin.set_local_user_disabled(session, ADMIN_TOKEN, "county-440111", False)


def test_account_state_is_cached_for_seconds_at_most() -> None:
    answers = iter([True, False])
    state = access_tokens.AccountState(lambda _: next(answers), ttl=0.05)
    assert state.active("u") and state.active("u")  # the second answer comes from the cache
    import time
    time.sleep(0.06)
    assert not state.active("u")


def test_admin_page_lists_and_ends_a_persons_tokens(app: Flask) -> None:
    """系统管理 → API 令牌: a person's bearer tokens by user name, ended one by one or all at once."""
    from tests.web.conftest import login as browser_login

    held = login(app, "county-440106")
    browser = browser_login(app, "admin")
    page = browser.get("/admin/tokens/", query_string={"user": "county-440106"})
    assert page.status_code == 200 and 'id="person-tokens"' in page.get_data(as_text=True)
    ended = browser.post("/admin/tokens/people/end", {"user": "county-440106"})
    assert ended.status_code == 302
    assert held.get("/api/v1/me").status_code == 401
    assert "该用户没有有效的访问令牌" in browser.get("/admin/tokens/?user=county-440106").get_data(as_text=True)
    assert browser.get("/admin/tokens/", query_string={"user": "x" * 500}).status_code == 422
