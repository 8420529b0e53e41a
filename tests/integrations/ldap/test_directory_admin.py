"""Account administration round trips: what is written can be logged in with."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from ldap3 import NONE
from ldap3 import Connection
from ldap3 import Server
from stdnum.cn import uscc

from engine.errors import AuthenticationFailed
from engine.errors import Conflict
from engine.errors import InvalidInput
from engine.errors import NotFound
from integrations.ldap import LdapDirectory
from integrations.ldap import LdapSettings
from tests.integrations.ldap.slapd import SlapdServer
from tests.integrations.ldap.tree import PEOPLE_DN
from tests.integrations.ldap.tree import SERVICE_DN
from tests.integrations.ldap.tree import SERVICE_PASSWORD
from tests.integrations.ldap.tree import SHENZHEN_ENTERPRISE

NEW_PASSWORD = "Xin-Mima-2024"


@pytest.fixture
def login() -> str:
    """A login no other test uses, as the shared server keeps what tests write."""
    return f"test-{uuid.uuid4().hex[:10]}"


def test_created_user_logs_in_with_its_roles(directory: LdapDirectory, login: str) -> None:
    created = directory.create_user(
        login, "孙丽", NEW_PASSWORD, "440111", roles=["county_reviewer", "admin"]
    )

    user = directory.authenticate(login, NEW_PASSWORD)

    assert user == created
    assert user.dn == f"uid={login},{PEOPLE_DN}"
    assert (user.display_name, user.region_code) == ("孙丽", "440111")
    assert user.roles == {"county_reviewer", "admin"}


def test_created_enterprise_logs_in_with_its_credit_code(directory: LdapDirectory) -> None:
    body = "91440106" + uuid.uuid4().hex[:9].upper()
    code = body + uscc.calc_check_digit(body)
    directory.create_user(
        code, "广州天河新材料有限公司", NEW_PASSWORD, "440106", code, ["enterprise"]
    )

    user = directory.authenticate(code.lower(), NEW_PASSWORD)

    assert (user.login, user.credit_code) == (code, code)
    assert user.roles == {"enterprise"}


def test_created_password_is_hashed_by_the_server(
    directory: LdapDirectory, slapd: SlapdServer, login: str
) -> None:
    user = directory.create_user(login, "钱多", NEW_PASSWORD, "440000")

    server = Server(slapd.uri, get_info=NONE)
    with Connection(server, SERVICE_DN, SERVICE_PASSWORD, auto_bind=True) as connection:
        connection.search(user.dn, "(objectClass=*)", attributes=["userPassword"])
        stored = connection.entries[0]["userPassword"].raw_values[0]

    assert stored.startswith(b"{SSHA}")
    assert NEW_PASSWORD.encode() not in stored


@pytest.mark.parametrize("taken", ["province", SHENZHEN_ENTERPRISE.lower()])
def test_create_refuses_a_taken_login(directory: LdapDirectory, taken: str) -> None:
    with pytest.raises(Conflict, match=f"login {taken!r} is already taken"):
        directory.create_user(taken, "重复", NEW_PASSWORD, "440000")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"login": "*"}, "login"),
        ({"login": "a)(uid=*"}, "login"),
        ({"login": "张三"}, "login"),
        ({"login": ""}, "login"),
        ({"display_name": "  "}, "display_name"),
        ({"display_name": "孙丽\x00"}, "display_name"),
        ({"password": " "}, "password"),
        ({"region_code": ""}, "region_code"),
        ({"credit_code": " 91440300568520498A"}, "credit_code"),
    ],
)
def test_create_refuses_bad_values_naming_the_field(
    directory: LdapDirectory, values: dict[str, str], field: str
) -> None:
    arguments = {
        "login": f"test-{uuid.uuid4().hex[:10]}",
        "display_name": "孙丽",
        "password": NEW_PASSWORD,
        "region_code": "440106",
    }
    with pytest.raises(InvalidInput) as refused:
        directory.create_user(**(arguments | values))

    assert list(refused.value.fields) == [field]
    assert field in refused.value.message


def test_create_with_an_unknown_role_names_it_and_writes_nothing(
    directory: LdapDirectory, login: str
) -> None:
    with pytest.raises(InvalidInput, match="Unknown role 'superuser'"):
        directory.create_user(login, "孙丽", NEW_PASSWORD, "440106", roles=["superuser"])

    with pytest.raises(NotFound):
        directory.get_user(login)


def test_adding_and_removing_a_group_changes_the_roles(
    directory: LdapDirectory, login: str
) -> None:
    directory.create_user(login, "吴敏", NEW_PASSWORD, "440300", roles=["city_reviewer"])

    directory.add_to_group(login, "province_reviewer")
    directory.add_to_group(login, "province_reviewer")
    assert directory.authenticate(login, NEW_PASSWORD).roles == {
        "city_reviewer",
        "province_reviewer",
    }

    directory.remove_from_group(login, "city_reviewer")
    directory.remove_from_group(login, "city_reviewer")
    assert directory.get_user(login).roles == {"province_reviewer"}


def test_group_changes_refuse_unknown_roles_and_logins(
    directory: LdapDirectory, login: str
) -> None:
    directory.create_user(login, "郑洁", NEW_PASSWORD, "440304")

    with pytest.raises(InvalidInput, match="Unknown role 'root'"):
        directory.add_to_group(login, "root")
    with pytest.raises(NotFound):
        directory.add_to_group("*", "admin")
    with pytest.raises(NotFound):
        directory.remove_from_group("nobody", "admin")


def test_a_role_whose_group_is_missing_names_the_group(
    slapd: SlapdServer, make_settings: Callable[..., LdapSettings]
) -> None:
    settings = make_settings(slapd.uri, group_role_map={"auditors": "auditor"})

    with pytest.raises(InvalidInput, match="group 'auditors' for role 'auditor' does not exist"):
        LdapDirectory(settings).add_to_group("province", "auditor")


def test_disabled_user_can_no_longer_log_in(directory: LdapDirectory, login: str) -> None:
    directory.create_user(login, "冯涛", NEW_PASSWORD, "440106", roles=["county_reviewer"])
    directory.authenticate(login, NEW_PASSWORD)

    directory.disable_user(login)
    directory.disable_user(login)

    with pytest.raises(AuthenticationFailed):
        directory.authenticate(login, NEW_PASSWORD)
    assert directory.get_user(login).disabled
    assert directory.get_user(login).roles == {"county_reviewer"}


def test_disabling_an_unknown_login_is_not_found(directory: LdapDirectory) -> None:
    with pytest.raises(NotFound, match="nobody"):
        directory.disable_user("nobody")
