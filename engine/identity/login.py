"""Logging in: local accounts first (embedded default, break-glass admin), then the directory.

The directory is anything with ``authenticate(login, password)`` returning an
account with roles, region and credit code (``integrations.ldap`` provides
one). Its region and credit code are checked here, so a bad directory entry
is refused with a clear message instead of producing an actor without scope.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.errors import (
    AccountLocked,
    AuthenticationFailed,
    DirectoryUnavailable,
    InvalidIdentity,
    NotFound,
)
from engine.identifiers import valid_credit_code, valid_region
from engine.identity import local_users as users
from engine.identity import lockout
from engine.identity.lockout import LockoutPolicy
from engine.identity.models import LocalUser

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


WRONG_CREDENTIALS = "用户名或密码错误 (wrong user name or password)"
DIRECTORY_UNAVAILABLE = "目录服务不可用，请稍后再试；本地管理员账号仍可登录 (directory service unavailable)"
LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def login(
    session: Session, directory: Directory | None, username: str, password: str, *, allow_demo: bool, client: str,
    policy: LockoutPolicy = LockoutPolicy(),
) -> Actor:
    """Authenticate and audit the attempt (the caller commits even when this raises).

    A wrong password counts towards the account's lockout (:mod:`engine.identity.lockout`);
    a locked account is refused before its password is looked at. Passwords are never
    stored, logged or audited.

    :raises AccountLocked: the account failed too often; the message says when to retry.
    :raises AuthenticationFailed: wrong name or password, disabled account.
    :raises DirectoryUnavailable: no directory server answered and no local account matched.
    :raises InvalidIdentity: the directory entry carries an invalid region or credit code, or no role.
    """
    key = lockout.account_key(username)
    try:
        _refuse_if_locked(session, key)
        actor = _authenticate(session, directory, username.strip(), password, allow_demo)
    except AccountLocked as exc:
        _audit_failure(session, username, client, exc)
        raise
    except AuthenticationFailed as exc:
        _count_failure(session, username, client, exc, policy)
        raise
    except DirectoryUnavailable as exc:
        _audit_failure(session, username, client, exc)
        raise DirectoryUnavailable(DIRECTORY_UNAVAILABLE) from exc
    except InvalidIdentity as exc:
        _audit_failure(session, username, client, exc, detail=exc.message)
        raise
    lockout.clear(session, key)
    audit.record(session, actor, "auth.login", payload={"client": client, "roles": sorted(actor.roles)})
    return actor


def _refuse_if_locked(session: Session, key: str) -> None:
    until = lockout.locked_until(session, key)
    if until is not None:
        raise _locked(until, "账号因多次登录失败已被临时锁定")


def _count_failure(
    session: Session, username: str, client: str, exc: AuthenticationFailed, policy: LockoutPolicy
) -> None:
    row = lockout.record_failure(session, lockout.account_key(username), policy)
    _audit_failure(session, username, client, exc, failures=row.failures)
    if row.locked_until is not None:
        audit.record(session, username[:100] or "?", "auth.account_locked",
                     payload={"client": client, "failures": row.failures, "until": row.locked_until.isoformat()})
        log.warning("account %r locked until %s after %d failed log-ins", username[:100], row.locked_until,
                    row.failures)
        raise _locked(row.locked_until, f"{exc.message}；连续失败 {row.failures} 次，账号已被临时锁定") from exc


def _locked(until: datetime, reason: str) -> AccountLocked:
    """The refusal, naming the first whole minute (Beijing time) at which a new try is accepted."""
    minute = until.replace(second=0, microsecond=0)
    if minute < until:
        minute += timedelta(minutes=1)
    shown = minute.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")
    return AccountLocked(f"{reason}，请于 {shown}（北京时间）后重试 (account locked until {minute:%Y-%m-%d %H:%M} UTC)",
                         details={"retry_at": until.isoformat()})


def _audit_failure(session: Session, username: str, client: str, exc: Exception, **extra: object) -> None:
    audit.record(session, username[:100] or "?", "auth.login_failed",
                 payload={"client": client, "reason": type(exc).__name__, **extra})


def _authenticate(
    session: Session, directory: Directory | None, username: str, password: str, allow_demo: bool
) -> Actor:
    if not password:
        raise AuthenticationFailed("请输入密码 (password required)")
    if directory is None or _is_local(session, username):
        return users.authenticate(session, username, password, allow_demo=allow_demo)
    try:
        account = directory.authenticate(username, password)
    except AuthenticationFailed as exc:  # the same words as for local accounts, whatever the directory said
        raise AuthenticationFailed(WRONG_CREDENTIALS) from exc
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


def account_active(session: Session, directory: Directory | None, username: str) -> bool:
    """Whether an account may still act through a token it holds (#21 item 15).

    A disabled local account is not; a directory account that is disabled, gone, or cannot be
    looked up (the directory is down: fail closed) is not. A name that is neither local nor
    known to a configured directory (no directory at all) cannot be checked and stays active.
    """
    user = session.scalars(select(LocalUser).where(LocalUser.username == username)).one_or_none()
    if user is not None:
        return not user.disabled
    if directory is None:
        return True
    try:
        return not directory.get_user(username).disabled
    except (NotFound, InvalidIdentity):
        return False
    except DirectoryUnavailable:
        log.warning("cannot check account %s: directory unavailable; its tokens are refused meanwhile", username)
        return False


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


