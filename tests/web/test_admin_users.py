"""User and role administration pages against a real directory: search, create, roles, disable, local accounts."""

from __future__ import annotations

import json
import uuid

import pytest
from stdnum.cn import uscc

from engine.actors import Role
from engine.identity import local_users as users
from tests.integrations.ldap.slapd import SlapdServer
from tests.integrations.ldap.tree import PASSWORD
from tests.support.audit import business
from tests.web.conftest import Browser
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

NEW_PASSWORD = "Xin-Mima-2024"


@pytest.fixture
def admin(world: DirectoryWorld) -> Browser:
    browser = visitor(world.app)
    assert browser.login("admin", PASSWORD).status_code == 302  # the directory's admin
    browser.get("/admin/users/new")
    return browser


def fresh_login() -> str:
    """A login no other test uses: the servers keep what earlier tests wrote."""
    return f"web-{uuid.uuid4().hex[:10]}"


def create(admin: Browser, **fields: object) -> object:
    form = {"display_name": "测试用户", "password": NEW_PASSWORD, "region_code": "440111",
            "roles": ["county_reviewer"], **fields}
    return admin.post("/admin/users/new", form)


def last_login_roles(world: DirectoryWorld, login: str) -> list[str]:
    return list(audit_events(world.app, "auth.login", login)[-1].payload["roles"])


def test_admin_lists_and_searches_directory_users(world: DirectoryWorld, admin: Browser) -> None:
    everyone = admin.get("/admin/users").get_data(as_text=True)
    assert all(f'data-login="{login}"' in everyone for login in ("province", "county-440106", "91440300568520498A"))
    found = admin.get("/admin/users?q=county-4401").get_data(as_text=True)
    assert 'data-login="county-440106"' in found and 'data-login="county-440111"' in found
    assert 'data-login="county-440304"' not in found and 'data-login="province"' not in found
    assert business(audit_events(world.app, "directory.user_search", "admin")[-1].payload) == {
        "query": "county-4401", "found": 3}  # county-440106, county-440111 and the disabled county-440111-former


def test_search_text_is_not_a_filter(admin: Browser) -> None:
    page = admin.get("/admin/users", query_string={"q": "*)(uid=*"}).get_data(as_text=True)
    assert "data-login=" not in page and "没有符合条件的用户" in page


def test_created_reviewer_logs_in_with_its_scope(world: DirectoryWorld, admin: Browser) -> None:
    login = fresh_login()
    response = create(admin, login=login, display_name="白云区新审核员")
    assert response.status_code == 302, response.get_data(as_text=True)
    reviewer = visitor(world.app)
    assert reviewer.login(login, NEW_PASSWORD).status_code == 302
    page = reviewer.get("/tasks/").get_data(as_text=True)
    assert world.baiyun_task in page and world.tianhe_task not in page
    event = audit_events(world.app, "directory.user_create", "admin")[-1]
    assert business(event.payload) == {"login": login, "display_name": "白云区新审核员", "region": "440111",
                             "credit_code": None, "roles": ["county_reviewer"]}
    assert NEW_PASSWORD not in json.dumps(event.payload)


def test_created_enterprise_logs_in_with_its_credit_code(world: DirectoryWorld, admin: Browser) -> None:
    body = "91440111" + uuid.uuid4().hex[:9].upper()
    code = body + uscc.calc_check_digit(body)
    response = create(admin, display_name="广州白云新材料有限公司", credit_code=code.lower(), roles=["enterprise"])
    assert response.status_code == 302, response.get_data(as_text=True)
    assert visitor(world.app).login(code, NEW_PASSWORD).status_code == 302
    assert last_login_roles(world, code) == ["enterprise"]


def test_create_names_every_bad_field_and_writes_nothing(world: DirectoryWorld, admin: Browser) -> None:
    login = fresh_login()
    response = create(admin, login=login, region_code="449999", credit_code="91440106732156481X",
                      roles=["county_reviewer", "enterprise"], password="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "449999" in page and "不是有效的广东省行政区划代码" in page
    assert "不是有效的统一社会信用代码" in page and "至少 8 位" in page
    assert f'value="{login}"' in page and "short" not in page  # input kept, password not echoed
    assert f'data-login="{login}"' not in admin.get(f"/admin/users?q={login}").get_data(as_text=True)
    assert not [e for e in audit_events(world.app, "directory.user_create") if e.payload["login"] == login]


def test_roles_follow_group_membership_at_the_next_login(world: DirectoryWorld, admin: Browser) -> None:
    login = fresh_login()
    create(admin, login=login)
    assert admin.post("/admin/users/membership", {"login": login, "role": "city_reviewer", "change": "add"}
                      ).status_code == 302
    assert visitor(world.app).login(login, NEW_PASSWORD).status_code == 302
    assert last_login_roles(world, login) == ["city_reviewer", "county_reviewer"]
    admin.post("/admin/users/membership", {"login": login, "role": "county_reviewer", "change": "remove"})
    assert visitor(world.app).login(login, NEW_PASSWORD).status_code == 302
    assert last_login_roles(world, login) == ["city_reviewer"]
    changes = [(e.action, e.payload["role"]) for e in audit_events(world.app, "directory.group_add")
               + audit_events(world.app, "directory.group_remove") if e.payload["login"] == login]
    assert sorted(changes) == [("directory.group_add", "city_reviewer"), ("directory.group_remove", "county_reviewer")]


def test_admin_cannot_remove_its_own_admin_role(world: DirectoryWorld, admin: Browser) -> None:
    response = admin.post("/admin/users/membership", {"login": "admin", "role": "admin", "change": "remove"})
    assert response.status_code == 422
    assert visitor(world.app).login("admin", PASSWORD).status_code == 302
    assert last_login_roles(world, "admin") == ["admin"]


def test_disabled_user_can_no_longer_log_in(world: DirectoryWorld, admin: Browser) -> None:
    login = fresh_login()
    create(admin, login=login)
    assert admin.post("/admin/users/disable", {"login": login}).status_code == 302
    assert "已停用" in admin.get(f"/admin/users?q={login}").get_data(as_text=True)
    assert visitor(world.app).login(login, NEW_PASSWORD).status_code == 401
    assert business(audit_events(world.app, "directory.user_disable", "admin")[-1].payload) == {
        "login": login, "sessions_ended": 0, "tokens_ended": 0}


def test_non_admins_cannot_administer_users(world: DirectoryWorld) -> None:
    county = visitor(world.app)
    assert county.login("county-440106", PASSWORD).status_code == 302
    county.get("/tasks/")
    login = fresh_login()
    assert [county.get(path).status_code for path in ("/admin/users", "/admin/users/new", "/admin/local-users")] \
        == [403, 403, 403]
    attempts = [
        ("/admin/users/new", {"login": login, "display_name": "x", "password": NEW_PASSWORD, "region_code": "440106",
                              "roles": ["admin"]}),
        ("/admin/users/membership", {"login": "county-440106", "role": "admin", "change": "add"}),
        ("/admin/users/disable", {"login": "county-440111"}),
        ("/admin/local-users/state", {"username": RESCUE_ADMIN, "action": "disable"}),
    ]
    assert [county.post(path, form).status_code for path, form in attempts] == [403] * 4
    assert visitor(world.app).login("county-440106", PASSWORD).status_code == 302
    assert last_login_roles(world, "county-440106") == ["county_reviewer"]
    assert visitor(world.app).login("county-440111", PASSWORD).status_code == 302
    assert visitor(world.app).login(login, NEW_PASSWORD).status_code == 401
    assert visitor(world.app).login(RESCUE_ADMIN, RESCUE_PASSWORD).status_code == 302


def test_local_accounts_are_listed_disabled_and_enabled(world: DirectoryWorld, admin: Browser) -> None:
    name = fresh_login()
    with world.app.extensions["ecoloop.sessions"].begin() as session:
        users.create(session, name, "Bendi-Mima-1", [Role.PROVINCE_REVIEWER], region_code="440000")
    page = admin.get("/admin/local-users").get_data(as_text=True)
    assert f'data-username="{name}"' in page and f'data-username="{RESCUE_ADMIN}"' in page
    assert admin.post("/admin/local-users/state", {"username": name, "action": "disable"}).status_code == 302
    assert visitor(world.app).login(name, "Bendi-Mima-1").status_code == 401
    assert admin.post("/admin/local-users/state", {"username": name, "action": "enable"}).status_code == 302
    assert visitor(world.app).login(name, "Bendi-Mima-1").status_code == 302
    assert [e.action for e in audit_events(world.app, "user.disable") + audit_events(world.app, "user.enable")
            if e.payload["username"] == name] == ["user.disable", "user.enable"]


def test_local_admin_cannot_disable_itself(world: DirectoryWorld) -> None:
    rescue = visitor(world.app)
    assert rescue.login(RESCUE_ADMIN, RESCUE_PASSWORD).status_code == 302
    rescue.get("/admin/local-users")
    assert rescue.post("/admin/local-users/state", {"username": RESCUE_ADMIN, "action": "disable"}).status_code == 422
    assert rescue.post("/admin/local-users/state", {"username": "nobody", "action": "disable"}).status_code == 404


def test_directory_pages_say_so_when_the_directory_is_down(
    world: DirectoryWorld, admin: Browser, directory_servers: tuple[SlapdServer, SlapdServer]  # noqa: F811
) -> None:
    with stopped(*directory_servers):
        listing = admin.get("/admin/users")
        assert listing.status_code == 503 and "目录服务不可用" in listing.get_data(as_text=True)
        change = admin.post("/admin/users/disable", {"login": "county-440106"})
        assert change.status_code == 503 and "目录服务不可用" in change.get_data(as_text=True)
        assert admin.get("/admin/local-users").status_code == 200


def test_admin_forms_need_the_csrf_token(world: DirectoryWorld, admin: Browser) -> None:
    login = fresh_login()
    forged = admin.client.post("/admin/users/new", data={"login": login, "display_name": "伪造", "password": NEW_PASSWORD,
                                                         "region_code": "440106", "roles": ["admin"]})
    assert forged.status_code == 400 and "CSRF" in forged.get_data(as_text=True)
    assert admin.client.post("/admin/users/disable", data={"login": "county-440106"}).status_code == 400
    assert visitor(world.app).login(login, NEW_PASSWORD).status_code == 401
    assert visitor(world.app).login("county-440106", PASSWORD).status_code == 302
