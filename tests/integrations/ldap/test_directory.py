"""Log-in and look-ups against a real slapd loaded with guangdong.ldif."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest

from engine.errors import AuthenticationFailed
from engine.errors import InvalidInput
from engine.errors import NotFound
from integrations.ldap import DirectoryUser
from integrations.ldap import LdapDirectory
from integrations.ldap import LdapSettings
from tests.integrations.ldap.slapd import SlapdServer
from tests.integrations.ldap.tree import BAIYUN_ENTERPRISE
from tests.integrations.ldap.tree import DISABLED_LOGIN
from tests.integrations.ldap.tree import FUTIAN_ENTERPRISE
from tests.integrations.ldap.tree import PASSWORD
from tests.integrations.ldap.tree import PEOPLE_DN
from tests.integrations.ldap.tree import SHENZHEN_ENTERPRISE
from tests.integrations.ldap.tree import TIANHE_ENTERPRISE

LOGIN_FAILED = "Wrong user name or password."


def test_reviewer_logs_in_with_chinese_name_region_and_role(directory: LdapDirectory) -> None:
    user = directory.authenticate("county-440106", PASSWORD)

    assert user == DirectoryUser(
        login="county-440106",
        dn=f"uid=county-440106,ou=440106,ou=440100,ou=440000,{PEOPLE_DN}",
        display_name="刘洋",
        roles=frozenset({"county_reviewer"}),
        groups=frozenset({"county_reviewer"}),
        region_code="440106",
        credit_code=None,
        disabled=False,
    )


def test_enterprise_logs_in_with_its_credit_code(directory: LdapDirectory) -> None:
    user = directory.authenticate(SHENZHEN_ENTERPRISE, PASSWORD)

    assert user.login == SHENZHEN_ENTERPRISE
    assert user.credit_code == SHENZHEN_ENTERPRISE
    assert user.region_code == "440300"
    assert user.display_name == "深圳市海湾电子材料有限公司"
    assert user.roles == {"enterprise"}


def test_credit_code_login_ignores_case_and_surrounding_spaces(directory: LdapDirectory) -> None:
    user = directory.authenticate(f"  {SHENZHEN_ENTERPRISE.lower()} ", PASSWORD)

    assert user.login == SHENZHEN_ENTERPRISE


@pytest.mark.parametrize(
    ("login", "roles", "region"),
    [
        ("province", {"province_reviewer"}, "440000"),
        ("city-440100", {"city_reviewer"}, "440100"),
        ("county-440111", {"county_reviewer"}, "440111"),
        ("admin", {"admin"}, "440000"),
        ("tax-client", {"tax_client"}, "440000"),
        (TIANHE_ENTERPRISE, {"enterprise"}, "440106"),
        (BAIYUN_ENTERPRISE, {"enterprise"}, "440111"),
        (FUTIAN_ENTERPRISE, {"enterprise"}, "440304"),
    ],
)
def test_groups_map_to_roles(
    directory: LdapDirectory, login: str, roles: set[str], region: str
) -> None:
    user = directory.authenticate(login, PASSWORD)

    assert user.roles == roles
    assert user.region_code == region


def test_groups_outside_the_role_map_give_no_role(directory: LdapDirectory) -> None:
    user = directory.authenticate("province", PASSWORD)

    assert user.groups == {"province_reviewer", "staff"}
    assert user.roles == {"province_reviewer"}


@pytest.mark.parametrize(
    ("login", "password", "reason"),
    [
        ("province", "wrong-password", "wrong password"),
        ("province", PASSWORD.lower(), "wrong password"),
        ("nobody", PASSWORD, "no such user"),
        ("", PASSWORD, "no such user"),
        (DISABLED_LOGIN, PASSWORD, "account disabled"),
        ("province", "", "empty password"),
        ("province", "   ", "empty password"),
    ],
)
def test_refused_logins_look_alike_to_the_client_but_not_in_the_log(
    directory: LdapDirectory,
    caplog: pytest.LogCaptureFixture,
    login: str,
    password: str,
    reason: str,
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(AuthenticationFailed) as refused:
        directory.authenticate(login, password)

    assert refused.value.message == LOGIN_FAILED
    assert f"Login refused for {login!r}: {reason}" in caplog.messages


def test_empty_password_is_refused_without_asking_the_directory(
    unreachable_directory: LdapDirectory,
) -> None:
    with pytest.raises(AuthenticationFailed):
        unreachable_directory.authenticate("province", "")


@pytest.mark.parametrize(
    "login",
    [
        "*",
        "*)(uid=*",
        "admin)(|(uid=*",
        "admin*",
        "prov*",
        "province\x00",
        "pro\\vince",
        "(uid=admin)",
    ],
)
def test_filter_injection_finds_nothing_and_warns(
    directory: LdapDirectory, caplog: pytest.LogCaptureFixture, login: str
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(AuthenticationFailed):
        directory.authenticate(login, PASSWORD)

    assert any("LDAP filter characters" in message for message in caplog.messages)
    assert f"Login refused for {login!r}: no such user" in caplog.messages


def test_a_login_matching_several_entries_is_refused(
    slapd: SlapdServer, make_settings: Callable[..., LdapSettings], caplog: pytest.LogCaptureFixture
) -> None:
    by_uid_or_region = LdapDirectory(make_settings(slapd.uri, login_attributes=("uid", "l")))

    with caplog.at_level(logging.ERROR), pytest.raises(AuthenticationFailed):
        by_uid_or_region.authenticate("440106", PASSWORD)

    assert "Login '440106' matches several directory entries; refusing it" in caplog.messages


def test_get_user_reports_a_disabled_account(directory: LdapDirectory) -> None:
    user = directory.get_user(DISABLED_LOGIN)

    assert user.disabled
    assert user.display_name == "周强"
    assert user.roles == {"county_reviewer"}


def test_get_user_of_unknown_or_wildcard_login_is_not_found(directory: LdapDirectory) -> None:
    for login in ("nobody", "*"):
        with pytest.raises(NotFound, match=re.escape(f"login {login!r}")):
            directory.get_user(login)


def test_search_finds_by_chinese_name_part_and_by_credit_code_part(
    directory: LdapDirectory,
) -> None:
    by_name = directory.search_users("白云")
    by_code = directory.search_users("9144030")

    assert [user.login for user in by_name] == [BAIYUN_ENTERPRISE]
    assert [user.login for user in by_code] == [SHENZHEN_ENTERPRISE, FUTIAN_ENTERPRISE]
    assert by_code[0].roles == {"enterprise"}


def test_search_escapes_wildcards_and_respects_the_limit(directory: LdapDirectory) -> None:
    assert directory.search_users("*") == []
    assert directory.search_users(")(uid=*") == []
    assert len(directory.search_users("", limit=3)) == 3
    assert len(directory.search_users("county-")) == 4


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_search_refuses_a_limit_out_of_range(directory: LdapDirectory, limit: int) -> None:
    with pytest.raises(InvalidInput, match=f"limit must be between 1 and 500, not {limit}"):
        directory.search_users("county", limit=limit)


def test_ping_answers_true_when_the_server_runs(directory: LdapDirectory) -> None:
    assert directory.ping() is True
