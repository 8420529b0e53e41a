"""Logging in to the web app with directory accounts on real slapd servers.

Good and bad passwords, unknown and disabled users, filter injection, group → role
mapping and scope, refused region and credit codes, failover, and a directory that is down.
"""

from __future__ import annotations

import json
import logging

import pytest

from tests.integrations.ldap.slapd import SlapdServer
from tests.integrations.ldap.tree import DISABLED_LOGIN, PASSWORD
from tests.web.directory import (
    RESCUE_ADMIN,
    RESCUE_PASSWORD,
    DirectoryWorld,
    audit_events,
    directory_servers,  # noqa: F401  (fixture)
    stopped,
    visitor,
    world,  # noqa: F401  (fixture)
)

WRONG = "用户名或密码错误"
DIRECTORY_SETTINGS = {"LOGIN_MAX_FAILURES": "3"}


def test_reviewer_logs_in_and_sees_only_its_county(world: DirectoryWorld) -> None:
    browser = visitor(world.app)
    response = browser.login("county-440106", PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = browser.get("/tasks/").get_data(as_text=True)
    assert world.tianhe_task in page and world.baiyun_task not in page
    assert browser.get(f"/tasks/{world.baiyun_task}").status_code == 404
    (event,) = audit_events(world.app, "auth.login", "county-440106")[-1:]
    assert event.payload["roles"] == ["county_reviewer"] and event.payload["client"].startswith("198.51.")


def test_enterprise_logs_in_with_its_credit_code(world: DirectoryWorld) -> None:
    browser = visitor(world.app)
    assert browser.login("91440106732156481K", PASSWORD).status_code == 302
    assert audit_events(world.app, "auth.login", "91440106732156481K")[-1].payload["roles"] == ["enterprise"]


@pytest.mark.parametrize(
    ("login", "password"),
    [("county-440106", "wrong-password"), ("nobody-here", PASSWORD), (DISABLED_LOGIN, PASSWORD)],
    ids=["wrong-password", "unknown-user", "disabled-user"],
)
def test_bad_credentials_are_refused_alike_and_audited(world: DirectoryWorld, login: str, password: str) -> None:
    browser = visitor(world.app)
    response = browser.login(login, password)
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)
    assert browser.get("/tasks/").status_code == 302  # not logged in
    assert audit_events(world.app, "auth.login_failed", login)[-1].payload["reason"] == "AuthenticationFailed"


@pytest.mark.parametrize(
    "login",
    ["*", "*)(uid=*", "county-440106)(|(uid=*", "admin*", "*)(objectClass=*))(|(uid=", "\\2a"],
    ids=["star", "close-and-any", "or-any", "prefix", "nested", "escaped-star"],
)
def test_filter_injection_finds_nobody(
    world: DirectoryWorld, login: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="integrations.ldap")
    response = visitor(world.app).login(login, PASSWORD)
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)
    assert any("filter characters" in r.getMessage() for r in caplog.records)


def test_group_role_mapping_gives_the_role_and_scope(world: DirectoryWorld) -> None:
    mapped = visitor(world.app)
    assert mapped.login("baiyun-mapped", PASSWORD).status_code == 302  # only in hb_quxian_shenhe
    page = mapped.get("/tasks/").get_data(as_text=True)
    assert world.baiyun_task in page and world.tianhe_task not in page
    assert audit_events(world.app, "auth.login", "baiyun-mapped")[-1].payload["roles"] == ["county_reviewer"]
    assert visitor(world.app).login("province", PASSWORD).status_code == 302  # also in the unmapped "staff"
    assert audit_events(world.app, "auth.login", "province")[-1].payload["roles"] == ["province_reviewer"]


@pytest.mark.parametrize(
    ("login", "words"),
    [
        ("county-bad-region", ["449999", "行政区划代码"]),
        ("91440106732156481X", ["91440106732156481X", "统一社会信用代码"]),
        ("no-role", ["未分配任何角色"]),
    ],
    ids=["bad-region", "bad-credit-code", "no-role"],
)
def test_invalid_identity_is_refused_with_a_message_and_audited(
    world: DirectoryWorld, login: str, words: list[str]
) -> None:
    browser = visitor(world.app)
    response = browser.login(login, PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert all(word in page for word in words), page
    assert browser.get("/tasks/").status_code == 302
    event = audit_events(world.app, "auth.login_failed", login)[-1]
    assert event.payload["reason"] == "InvalidIdentity"
    assert all(word in event.payload["detail"] for word in words)


def test_failover_to_the_second_server_when_the_first_is_stopped(
    world: DirectoryWorld, directory_servers: tuple[SlapdServer, SlapdServer]  # noqa: F811
) -> None:
    with stopped(directory_servers[0]):
        browser = visitor(world.app)
        assert browser.login("county-440111", PASSWORD).status_code == 302
        assert world.baiyun_task in browser.get("/tasks/").get_data(as_text=True)


def test_directory_down_gives_503_and_the_local_admin_still_logs_in(
    world: DirectoryWorld, directory_servers: tuple[SlapdServer, SlapdServer]  # noqa: F811
) -> None:
    with stopped(*directory_servers):
        response = visitor(world.app).login("county-440111", PASSWORD)
        assert response.status_code == 503
        assert "目录服务不可用" in response.get_data(as_text=True)
        assert audit_events(world.app, "auth.login_failed", "county-440111")[-1].payload["reason"] == \
            "DirectoryUnavailable"
        admin = visitor(world.app)
        assert admin.login(RESCUE_ADMIN, RESCUE_PASSWORD).status_code == 302
        assert admin.get("/admin/local-users").status_code == 200
    assert visitor(world.app).login("county-440111", PASSWORD).status_code == 302  # back once it is


def test_directory_account_locks_after_repeated_failures(world: DirectoryWorld) -> None:
    browser = visitor(world.app)
    statuses = [browser.login("county-440304", f"wrong-{n}").status_code for n in range(3)]
    assert statuses == [401, 401, 401]
    response = browser.login("county-440304", PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and "锁定" in page and "后重试" in page
    assert int(response.headers["Retry-After"]) > 0
    assert browser.get("/tasks/").status_code == 302
    (locked,) = audit_events(world.app, "auth.account_locked", "county-440304")
    assert locked.payload["failures"] == 3
    assert audit_events(world.app, "auth.login_failed", "county-440304")[-1].payload["reason"] == "AccountLocked"


def test_passwords_are_neither_audited_nor_logged(world: DirectoryWorld, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Never-Log-Me-7d1c"
    visitor(world.app).login("city-440100", secret)
    visitor(world.app).login("city-440100", PASSWORD)
    trail = json.dumps([e.payload for e in audit_events(world.app, "auth.login_failed")
                        + audit_events(world.app, "auth.login")], ensure_ascii=False)
    assert "city-440100" in json.dumps([e.actor for e in audit_events(world.app, "auth.login")])
    for password in (secret, PASSWORD):
        assert password not in trail
        assert password not in caplog.text


def test_directory_users_are_shown_by_their_directory_name(world: DirectoryWorld) -> None:
    from engine.instances.page import display_names

    assert visitor(world.app).login("province", PASSWORD).status_code == 302
    with world.app.extensions["ecoloop.sessions"]() as session:
        assert display_names(session, {"province"}) == {"province": "李明"}  # no local account: the directory's name
