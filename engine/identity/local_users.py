"""Local accounts (argon2-hashed): the embedded default's users and the break-glass admin."""

from __future__ import annotations

import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.errors import AuthenticationFailed, InvalidInput
from engine.identifiers import valid_credit_code, valid_region
from engine.identity.models import LocalUser

log = logging.getLogger(__name__)

_HASHER = PasswordHasher()
# Verified when the user does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 4


def create(
    session: Session, username: str, password: str, roles: list[Role], *, region_code: str | None = None,
    enterprise_code: str | None = None, display_name: str = "", is_demo: bool = False,
    created_by: Actor | None = None,
) -> LocalUser:
    """``created_by`` is the administrator named in the audit (the system for the CLI and the demo).

    :raises InvalidInput: naming the field that is wrong (taken name, short password, bad codes).
    """
    _check_account(session, username, password, roles, region_code, enterprise_code)
    user = LocalUser(
        username=username, password_hash=_HASHER.hash(password), display_name=display_name or username,
        roles=sorted(r.value for r in roles), region_code=region_code, enterprise_code=enterprise_code,
        is_demo=is_demo,
    )
    session.add(user)
    session.flush()
    audit.record(session, created_by or "system", "user.create",
                 payload={"username": username, "roles": user.roles, "region": region_code, "enterprise": enterprise_code})
    return user


def _check_account(
    session: Session, username: str, password: str, roles: list[Role], region_code: str | None,
    enterprise_code: str | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not username or len(username) > 100 or session.scalar(select(LocalUser.id).where(LocalUser.username == username)):
        errors["username"] = ["用户名为空、过长或已存在 (empty, too long or taken)"]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"密码至少 {MIN_PASSWORD_LENGTH} 位 (at least {MIN_PASSWORD_LENGTH} characters)"]
    if not roles:
        errors["roles"] = ["至少一个角色 (at least one role)"]
    if region_code is not None and not valid_region(region_code):
        errors["region_code"] = [f"{region_code!r} 不是有效的广东省行政区划代码"]
    if Role.ENTERPRISE in roles and not valid_credit_code(enterprise_code):
        errors["enterprise_code"] = [f"{enterprise_code!r} 不是有效的统一社会信用代码"]
    if errors:
        raise InvalidInput("cannot create the account", fields=errors)


def authenticate(session: Session, username: str, password: str, *, allow_demo: bool) -> Actor:
    """Check a local password and build the actor.

    :raises AuthenticationFailed: for an unknown, disabled or demo (when not allowed) account or a wrong password.
    """
    user = session.scalars(select(LocalUser).where(LocalUser.username == username)).one_or_none()
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or user.disabled or (user.is_demo and not allow_demo) or not password:
        raise AuthenticationFailed("用户名或密码错误 (wrong user name or password)")
    return actor_of(user)


def actor_of(user: LocalUser) -> Actor:
    return Actor(
        username=user.username, roles=frozenset(Role(r) for r in user.roles), region_code=user.region_code,
        enterprise_code=user.enterprise_code, display_name=user.display_name,
    )
