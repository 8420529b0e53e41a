"""修改密码 for directory accounts on real slapd servers (#24 item 3): password modify, or the directory's own page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS
from tests.integrations.ldap.slapd import SlapdServer
from tests.integrations.ldap.tree import PASSWORD
from tests.web.directory import (
    DirectoryWorld,
    audit_events,
    directory_servers,  # noqa: F401  (fixture)
    directory_world,
    visitor,
)

NEW = "Qingshan&Lvshui9"
SSO_PAGE = "https://sso.example.gov.cn/password"


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    directory_servers: tuple[SlapdServer, SlapdServer],  # noqa: F811
) -> Iterator[DirectoryWorld]:
    # one server: a password changed on it is the password of the whole (test) directory
    with directory_world(request.param, tmp_path_factory.mktemp("web-pw"), directory_servers[:1],
                         LDAP_PASSWORD_CHANGE="1") as world:
        yield world


def test_directory_user_changes_the_password_in_the_directory(world: DirectoryWorld) -> None:
    login = "county-440304"
    browser = visitor(world.app)
    assert browser.login(login, PASSWORD).status_code == 302
    page = browser.get("/account/password").get_data(as_text=True)
    assert "等保二级" in page and 'name="current"' in page
    wrong = browser.post("/account/password", {"current": "not-it", "new": NEW, "repeated": NEW})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    done = browser.post("/account/password", {"current": PASSWORD, "new": NEW, "repeated": NEW})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert visitor(world.app).login(login, PASSWORD).status_code == 401
    assert visitor(world.app).login(login, NEW).status_code == 302
    (event,) = audit_events(world.app, "auth.password_change", login)[-1:]
    assert event.payload["directory"] is True and PASSWORD not in str(event.payload)
    # back to the fixture's password, through the same page, so the other backend starts from the same tree
    browser = visitor(world.app)
    browser.login(login, NEW)
    browser.get("/account/password")
    restored = browser.post("/account/password", {"current": NEW, "new": PASSWORD, "repeated": PASSWORD})
    assert restored.status_code == 302


def test_directory_applies_our_policy_too(world: DirectoryWorld) -> None:
    browser = visitor(world.app)
    assert browser.login("county-440111", PASSWORD).status_code == 302
    browser.get("/account/password")
    weak = browser.post("/account/password", {"current": PASSWORD, "new": "abcdefgh", "repeated": "abcdefgh"})
    assert weak.status_code == 422 and "3 类" in weak.get_data(as_text=True)


@pytest.fixture(scope="module")
def sso_world(
    tmp_path_factory: pytest.TempPathFactory, directory_servers: tuple[SlapdServer, SlapdServer],  # noqa: F811
) -> Iterator[DirectoryWorld]:
    with directory_world(BACKENDS[0], tmp_path_factory.mktemp("web-sso"), directory_servers[1:],
                         LDAP_PASSWORD_URL=SSO_PAGE) as world:
        yield world


def test_directory_user_is_sent_to_the_directorys_own_page(sso_world: DirectoryWorld) -> None:
    browser = visitor(sso_world.app)
    assert browser.login("city-440100", PASSWORD).status_code == 302
    page = browser.get("/account/password").get_data(as_text=True)
    assert SSO_PAGE in page and 'name="current"' not in page
    refused = browser.post("/account/password", {"current": PASSWORD, "new": NEW, "repeated": NEW})
    assert refused.status_code == 403
