"""User administration rules that hold before any directory is asked: admins only, fields named, local accounts.

The round trips through a real directory are in tests/web/test_admin_users.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Role
from engine.audit.models import AuditEvent
from engine.errors import DirectoryUnavailable, InvalidInput, NotAllowed, NotFound
from engine.identity import directory_admin
from engine.identity import local_users as users
from engine.identity.directory_admin import NewDirectoryUser
from tests.support.actors import (
    ADMIN,
    COUNTY_TIANHE,
    ENT_TIANHE,
    ENTERPRISE_TIANHE,
    PROVINCE,
)

GOOD = NewDirectoryUser("new-reviewer", "新审核员", "Xin-Mima-2024", "440106", ("county_reviewer",))

CALLS: dict[str, Callable[[Session, Any], object]] = {
    "search": lambda s, a: directory_admin.search_users(s, a, None, ""),
    "create": lambda s, a: directory_admin.create_user(s, a, None, GOOD),
    "add": lambda s, a: directory_admin.add_to_group(s, a, None, "county-440106", "admin"),
    "remove": lambda s, a: directory_admin.remove_from_group(s, a, None, "county-440106", "county_reviewer"),
    "disable": lambda s, a: directory_admin.disable_user(s, a, None, "county-440106"),
    "local-list": lambda s, a: directory_admin.list_local_users(s, a),
    "local-disable": lambda s, a: directory_admin.set_local_user_disabled(s, a, "admin", True),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("actor", [COUNTY_TIANHE, PROVINCE, ENT_TIANHE], ids=["county", "province", "enterprise"])
def test_only_admins_administer(session: Session, call: str, actor: Any) -> None:
    with pytest.raises(NotAllowed):
        CALLS[call](session, actor)
    assert session.scalars(select(AuditEvent)).all() == []


@pytest.mark.parametrize("call", ["search", "create", "add", "remove", "disable"])
def test_admin_without_directory_is_told_so(session: Session, call: str) -> None:
    with pytest.raises(DirectoryUnavailable, match="未配置目录服务"):
        CALLS[call](session, ADMIN)


def refused_fields(session: Session, new: NewDirectoryUser) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        directory_admin.create_user(session, ADMIN, None, new)
    return sorted(caught.value.fields)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"login": ""}, ["login"]),
        ({"login": "has space"}, ["login"]),
        ({"display_name": " "}, ["display_name"]),
        ({"password": "short"}, ["password"]),
        ({"region_code": "449999"}, ["region_code"]),
        ({"region_code": "110101"}, ["region_code"]),
        ({"roles": ()}, ["roles"]),
        ({"roles": ("superuser",)}, ["roles"]),
        ({"credit_code": ENTERPRISE_TIANHE}, ["credit_code"]),
        ({"login": "", "roles": ("enterprise",), "credit_code": "91440106732156481X"}, ["credit_code"]),
        ({"roles": ("enterprise",), "credit_code": ENTERPRISE_TIANHE}, ["login"]),
        ({"region_code": "4401", "password": "", "roles": ()}, ["password", "region_code", "roles"]),
    ],
    ids=["no-login", "space-in-login", "no-name", "short-password", "bad-region", "not-guangdong", "no-role",
         "unknown-role", "credit-code-for-reviewer", "bad-credit-code", "enterprise-login-not-its-code", "several"],
)
def test_bad_new_user_names_its_fields_before_the_directory_is_asked(
    session: Session, changes: dict[str, Any], fields: list[str]
) -> None:
    values = {**GOOD.__dict__, **changes}
    assert refused_fields(session, NewDirectoryUser(**values)) == fields


def test_enterprise_login_defaults_to_its_credit_code(session: Session) -> None:
    new = NewDirectoryUser("", "广州天河某公司", "Xin-Mima-2024", "440106", ("enterprise",), ENTERPRISE_TIANHE.lower())
    with pytest.raises(DirectoryUnavailable):  # valid: it got as far as the (missing) directory
        directory_admin.create_user(session, ADMIN, None, new)
    assert directory_admin._checked(new).login == ENTERPRISE_TIANHE


def test_membership_refuses_unknown_role_and_own_admin_role(session: Session) -> None:
    with pytest.raises(InvalidInput) as unknown:
        directory_admin.add_to_group(session, ADMIN, None, "county-440106", "root")
    assert list(unknown.value.fields) == ["role"]
    with pytest.raises(InvalidInput) as own:
        directory_admin.remove_from_group(session, ADMIN, None, "ADMIN", "admin")
    assert list(own.value.fields) == ["role"]


def test_local_accounts_listed_disabled_enabled_and_audited(session: Session) -> None:
    users.create(session, "break-glass", "Jinji-Mima-1", [Role.ADMIN], region_code="440000")
    users.create(session, "old-reviewer", "Jiu-Mima-1", [Role.COUNTY_REVIEWER], region_code="440106")
    assert [u.username for u in directory_admin.list_local_users(session, ADMIN)] == ["break-glass", "old-reviewer"]
    assert directory_admin.set_local_user_disabled(session, ADMIN, "old-reviewer", True).disabled
    assert not directory_admin.set_local_user_disabled(session, ADMIN, "old-reviewer", False).disabled
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == ADMIN.username)
                              .order_by(AuditEvent.seq)).all()
    assert actions == ["user.list", "user.disable", "user.enable"]


def test_local_admin_cannot_disable_itself_nor_a_missing_account(session: Session) -> None:
    users.create(session, "admin", "Guanli-Mima-1", [Role.ADMIN], region_code="440000")
    with pytest.raises(InvalidInput):
        directory_admin.set_local_user_disabled(session, ADMIN, "admin", True)
    with pytest.raises(NotFound):
        directory_admin.set_local_user_disabled(session, ADMIN, "nobody", True)
