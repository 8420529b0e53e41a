"""Logging in: local accounts first (embedded default, break-glass admin), then the directory.

The directory is anything with ``authenticate(login, password)`` returning an
account with roles, region and credit code (``integrations.ldap`` provides
one). Its region and credit code are checked here, so a bad directory entry
is refused with a clear message instead of producing an actor without scope.
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor, Role
from engine.errors import AuthenticationFailed, DirectoryUnavailable, InvalidIdentity, NotFound
from engine.identifiers import valid_credit_code, valid_region
from engine.models import LocalUser
from engine.services import users

log = logging.getLogger(__name__)


class DirectoryAccount(Protocol):
    login: str
    display_name: str
    roles: frozenset[str]
    region_code: str | None
    credit_code: str | None
    disabled: bool


class Directory(Protocol):
    def authenticate(self, login: str, password: str) -> DirectoryAccount: ...

    def get_user(self, login: str) -> DirectoryAccount: ...


def login(
    session: Session, directory: Directory | None, username: str, password: str, *, allow_demo: bool, client: str
) -> Actor:
    """Authenticate and audit the attempt (the caller commits even when this raises).

    :raises AuthenticationFailed: wrong name or password, disabled account.
    :raises DirectoryUnavailable: no directory server answered and no local account matched.
    :raises InvalidIdentity: the directory entry carries an invalid region or credit code.
    """
    try:
        actor = _authenticate(session, directory, username.strip(), password, allow_demo)
    except (AuthenticationFailed, DirectoryUnavailable, InvalidIdentity) as exc:
        audit.record(session, username[:100] or "?", "auth.login_failed",
                     payload={"client": client, "reason": type(exc).__name__})
        raise
    audit.record(session, actor, "auth.login", payload={"client": client, "roles": sorted(actor.roles)})
    return actor


def _authenticate(
    session: Session, directory: Directory | None, username: str, password: str, allow_demo: bool
) -> Actor:
    if not password:
        raise AuthenticationFailed("请输入密码 (password required)")
    if directory is None or _is_local(session, username):
        return users.authenticate(session, username, password, allow_demo=allow_demo)
    account = directory.authenticate(username, password)
    return actor_from_directory(account)


def _is_local(session: Session, username: str) -> bool:
    return session.scalar(select(LocalUser.id).where(LocalUser.username == username)) is not None


def find_actor(session: Session, directory: Directory | None, username: str) -> Actor | None:
    """Look a person up by name (local accounts, then the directory), e.g. the target of a transfer."""
    user = session.scalars(select(LocalUser).where(LocalUser.username == username)).one_or_none()
    if user is not None:
        return None if user.disabled else users.actor_of(user)
    if directory is None:
        return None
    try:
        account = directory.get_user(username)
        return None if account.disabled else actor_from_directory(account)
    except (NotFound, InvalidIdentity):
        return None


def actor_from_directory(account: DirectoryAccount) -> Actor:
    """:raises InvalidIdentity: naming the bad region or credit code."""
    roles = frozenset(Role(r) for r in account.roles if r in Role._value2member_map_)
    if not roles:
        raise InvalidIdentity(f"账号 {account.login} 未分配任何角色 (no role assigned)")
    needs_region = roles - {Role.ENTERPRISE, Role.TAX_CLIENT, Role.ADMIN}
    if needs_region and not valid_region(account.region_code):
        raise InvalidIdentity(f"账号 {account.login} 的行政区划代码 {account.region_code!r} 无效 (invalid region code)")
    if Role.ENTERPRISE in roles and not valid_credit_code(account.credit_code):
        raise InvalidIdentity(f"账号 {account.login} 的统一社会信用代码 {account.credit_code!r} 无效 (invalid credit code)")
    return Actor(account.login, roles, account.region_code, account.credit_code, account.display_name)


