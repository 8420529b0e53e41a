"""Local accounts: argon2 hashes, authentication outcomes, and checked identities."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine.actors import Role
from engine.errors import AuthenticationFailed, InvalidInput
from engine.identity import local_users as users
from engine.identity.models import LocalUser
from tests.support.actors import ENTERPRISE_TIANHE

PASSWORD = "绿水青山-2024"


def make(session: Session, username: str = "reviewer", **options: Any) -> LocalUser:
    options.setdefault("region_code", "440106")
    roles = options.pop("roles", [Role.COUNTY_REVIEWER])
    return users.create(session, username, options.pop("password", PASSWORD), roles, **options)


def test_password_is_stored_as_argon2_hash(session: Session) -> None:
    user = make(session)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert make(session, "twin").password_hash != user.password_hash  # salted


def test_authenticate_builds_the_actor(session: Session) -> None:
    make(session, display_name="天河区审核员")
    actor = users.authenticate(session, "reviewer", PASSWORD, allow_demo=False)
    assert (actor.username, actor.roles, actor.region_code, actor.enterprise_code, actor.display_name) == (
        "reviewer", frozenset({Role.COUNTY_REVIEWER}), "440106", None, "天河区审核员")


def test_enterprise_account_carries_its_credit_code(session: Session) -> None:
    make(session, "ent", roles=[Role.ENTERPRISE], enterprise_code=ENTERPRISE_TIANHE)
    actor = users.authenticate(session, "ent", PASSWORD, allow_demo=False)
    assert (actor.roles, actor.enterprise_code) == (frozenset({Role.ENTERPRISE}), ENTERPRISE_TIANHE)


@pytest.mark.parametrize(
    ("username", "password"),
    [("reviewer", "wrong"), ("reviewer", PASSWORD.upper() + "x"), ("reviewer", ""), ("nobody", PASSWORD), ("", "")],
)
def test_wrong_credentials_fail(session: Session, username: str, password: str) -> None:
    make(session)
    with pytest.raises(AuthenticationFailed, match="用户名或密码错误"):
        users.authenticate(session, username, password, allow_demo=True)


def test_disabled_account_fails(session: Session) -> None:
    make(session).disabled = True
    session.flush()
    with pytest.raises(AuthenticationFailed):
        users.authenticate(session, "reviewer", PASSWORD, allow_demo=True)


def test_demo_account_only_when_demo_is_allowed(session: Session) -> None:
    make(session, "demo", is_demo=True)
    with pytest.raises(AuthenticationFailed):
        users.authenticate(session, "demo", PASSWORD, allow_demo=False)
    assert users.authenticate(session, "demo", PASSWORD, allow_demo=True).username == "demo"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"region_code": "999999"}, "region_code"),
        ({"region_code": "110101"}, "region_code"),  # Beijing: valid code, not Guangdong
        ({"region_code": "4401"}, "region_code"),
        ({"roles": [Role.ENTERPRISE], "enterprise_code": "91440106MA59C8Q0X0"}, "enterprise_code"),
        ({"roles": [Role.ENTERPRISE], "enterprise_code": None}, "enterprise_code"),
        ({"roles": []}, "roles"),
        ({"password": "abc"}, "password"),
    ],
)
def test_bad_account_data_names_the_field(session: Session, options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make(session, **options)
    assert list(caught.value.fields) == [field]
    assert caught.value.details["fields"] == caught.value.fields


def test_username_must_be_new(session: Session) -> None:
    make(session)
    with pytest.raises(InvalidInput) as caught:
        make(session)
    assert list(caught.value.fields) == ["username"]
