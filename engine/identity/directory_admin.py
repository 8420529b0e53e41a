"""User and role administration (用户角色创建与权限管理): directory users and local accounts.

Only administrators may call these, and every call is audited (reads too: who
looked at which accounts is part of the trail). The directory is anything with
the five methods of :class:`DirectoryAdmin` (``integrations.ldap.LdapDirectory``
is one). Values are checked here before the directory is asked, so a bad
region or credit code never reaches it, and every error names its form field.
Passwords go to the directory, which hashes them; they are never stored,
logged or audited here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import scoping
from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.errors import DirectoryUnavailable, InvalidInput, NotFound
from engine.identifiers import valid_credit_code, valid_region
from engine.identity import access_tokens
from engine.identity import sessions as user_sessions
from engine.identity.login import DirectoryAccount
from engine.identity.models import LocalUser

log = logging.getLogger(__name__)
T = TypeVar("T")

MIN_DIRECTORY_PASSWORD = 8
MAX_LOGIN = 64
MAX_NAME = 100
MAX_QUERY = 100
ADMINS_ONLY = "仅管理员可管理用户 (administrators only)"
NO_DIRECTORY = "未配置目录服务 (ECOLOOP_LDAP_URIS)，只能管理本地账号 (no directory configured)"
DIRECTORY_DOWN = "目录服务不可用，请稍后再试 (directory service unavailable)"


class DirectoryAdmin(Protocol):
    """What account administration needs from a directory."""

    def search_users(self, query: str, limit: int = 50) -> Sequence[DirectoryAccount]: ...

    def create_user(
        self, login: str, display_name: str, password: str, region_code: str, credit_code: str | None = None,
        roles: Iterable[str] = (),
    ) -> DirectoryAccount: ...

    def add_to_group(self, login: str, role: str) -> None: ...

    def remove_from_group(self, login: str, role: str) -> None: ...

    def disable_user(self, login: str) -> None: ...


@dataclass(frozen=True)
class NewDirectoryUser:
    """A reviewer or enterprise account to create; an enterprise's login is its credit code."""

    login: str
    display_name: str
    password: str = field(repr=False)
    region_code: str
    roles: tuple[str, ...]
    credit_code: str | None = None


def search_users(
    session: Session, actor: Actor, directory: DirectoryAdmin | None, query: str, limit: int = 50
) -> list[DirectoryAccount]:
    """Directory accounts whose login, name or credit code contains ``query`` (all when empty).

    :raises NotAllowed: unless the actor is an admin. :raises DirectoryUnavailable: none configured or reachable.
    """
    text = query.strip()[:MAX_QUERY]
    found = list(_call(actor, directory, lambda d: d.search_users(text, limit)))
    audit.record(session, actor, "directory.user_search", payload={"query": text, "found": len(found)})
    return found


def create_user(
    session: Session, actor: Actor, directory: DirectoryAdmin | None, new: NewDirectoryUser
) -> DirectoryAccount:
    """Create the account with the groups of its roles.

    :raises InvalidInput: naming each field that is wrong. :raises Conflict: the login is taken.
    """
    require_admin(actor)
    new = _checked(new)
    created = _call(actor, directory, lambda d: d.create_user(
        new.login, new.display_name, new.password, new.region_code, new.credit_code, new.roles))
    audit.record(session, actor, "directory.user_create", payload={
        "login": new.login, "display_name": new.display_name, "region": new.region_code,
        "credit_code": new.credit_code, "roles": sorted(new.roles)})
    log.info("%s created directory user %s with roles %s", actor.username, new.login, sorted(new.roles))
    return created


def add_to_group(session: Session, actor: Actor, directory: DirectoryAdmin | None, login: str, role: str) -> None:
    """Give ``login`` the group that grants ``role``. :raises NotFound: unknown login."""
    login, role = _membership(actor, login, role)
    _call(actor, directory, lambda d: d.add_to_group(login, role))
    audit.record(session, actor, "directory.group_add", payload={"login": login, "role": role})


def remove_from_group(
    session: Session, actor: Actor, directory: DirectoryAdmin | None, login: str, role: str
) -> None:
    """Take ``login`` out of the group that grants ``role``; an admin cannot drop its own admin role."""
    login, role = _membership(actor, login, role)
    if role == Role.ADMIN and login.casefold() == actor.username.casefold():
        raise InvalidInput("不能移除自己的管理员角色 (cannot remove your own admin role)",
                           fields={"role": ["不能移除自己的管理员角色"]})
    _call(actor, directory, lambda d: d.remove_from_group(login, role))
    audit.record(session, actor, "directory.group_remove", payload={"login": login, "role": role})


def disable_user(session: Session, actor: Actor, directory: DirectoryAdmin | None, login: str) -> None:
    """Disable a directory account (it can no longer log in; entry and groups stay)."""
    login = _login(actor, login)
    _call(actor, directory, lambda d: d.disable_user(login))
    ended = user_sessions.end_all(session, login, "disabled")
    tokens_ended = access_tokens.end_all(session, login, "disabled", by=actor.username)
    audit.record(session, actor, "directory.user_disable",
                 payload={"login": login, "sessions_ended": ended, "tokens_ended": tokens_ended})
    log.info("%s disabled directory user %s", actor.username, login)


def list_local_users(session: Session, actor: Actor) -> list[LocalUser]:
    """Every local account (demo users, break-glass admins), by name."""
    require_admin(actor)
    found = list(session.scalars(select(LocalUser).order_by(LocalUser.username)))
    audit.record(session, actor, "user.list", payload={"found": len(found)})
    return found


def set_local_user_disabled(session: Session, actor: Actor, username: str, disabled: bool) -> LocalUser:
    """Disable or enable a local account; an admin cannot disable itself.

    :raises NotFound: no local account has this name.
    """
    require_admin(actor)
    user = session.scalars(select(LocalUser).where(LocalUser.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"本地账号 {username!r} 不存在 (no such local account)")
    if disabled and user.username == actor.username:
        raise InvalidInput("不能停用自己的账号 (cannot disable yourself)", fields={"username": ["不能停用自己的账号"]})
    user.disabled = disabled
    ended = user_sessions.end_all(session, username, "disabled") if disabled else 0
    tokens_ended = access_tokens.end_all(session, username, "disabled", by=actor.username) if disabled else 0
    session.flush()
    audit.record(session, actor, "user.disable" if disabled else "user.enable",
                 payload={"username": username, "sessions_ended": ended, "tokens_ended": tokens_ended})
    return user


def require_admin(actor: Actor) -> None:
    """:raises NotAllowed: unless the actor is an admin (also guards the empty forms of the admin pages)."""
    scoping.require_admin(actor, ADMINS_ONLY)


@contextmanager
def _directory_errors() -> Iterator[None]:
    try:
        yield
    except DirectoryUnavailable as exc:
        raise DirectoryUnavailable(DIRECTORY_DOWN) from exc


def _call(actor: Actor, directory: DirectoryAdmin | None, operation: Callable[[DirectoryAdmin], T]) -> T:
    """Run ``operation(directory)`` for an admin, with the directory's outage in the user's words."""
    require_admin(actor)
    if directory is None:
        raise DirectoryUnavailable(NO_DIRECTORY)
    with _directory_errors():
        return operation(directory)


def _login(actor: Actor, login: str) -> str:
    require_admin(actor)
    login = login.strip()
    if not login or len(login) > MAX_LOGIN:
        raise InvalidInput("登录名为空或过长 (login empty or too long)", fields={"login": ["必填，最多 64 个字符"]})
    return login


def _membership(actor: Actor, login: str, role: str) -> tuple[str, str]:
    login = _login(actor, login)
    if role not in Role._value2member_map_:
        raise InvalidInput(f"未知角色 {role!r} (unknown role)", fields={"role": [f"未知角色 {role!r}"]})
    return login, role


def checked_account(new: NewDirectoryUser) -> NewDirectoryUser:
    """The account as :func:`create_user` would create it (also for a local account of the same form).

    :raises InvalidInput: naming every field that is wrong at once.
    """
    return _checked(new)


def _checked(new: NewDirectoryUser) -> NewDirectoryUser:
    """The account with its credit code in upper case and an enterprise's login defaulted to it.

    :raises InvalidInput: naming every field that is wrong at once.
    """
    credit = (new.credit_code or "").strip().upper() or None
    is_enterprise = Role.ENTERPRISE in new.roles
    login = new.login.strip() or (credit if is_enterprise and credit else "")
    errors = _field_errors(new, login, credit, is_enterprise)
    if errors:
        raise InvalidInput("无法创建用户，请检查标出的字段 (cannot create the user)", fields=errors)
    return NewDirectoryUser(login, new.display_name.strip(), new.password, new.region_code.strip(),
                            tuple(dict.fromkeys(new.roles)), credit)


def _field_errors(new: NewDirectoryUser, login: str, credit: str | None, is_enterprise: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not login or len(login) > MAX_LOGIN or any(c.isspace() for c in login):
        errors["login"] = ["必填，最多 64 个字符，不含空白 (required, at most 64 characters, no spaces)"]
    elif is_enterprise and credit and login.upper() != credit:
        errors["login"] = ["企业账号以统一社会信用代码登录，登录名须与之相同 (an enterprise logs in with its credit code)"]
    if not new.display_name.strip() or len(new.display_name) > MAX_NAME:
        errors["display_name"] = ["必填，最多 100 个字符 (required, at most 100 characters)"]
    if len(new.password) < MIN_DIRECTORY_PASSWORD or not new.password.strip():
        errors["password"] = [f"密码至少 {MIN_DIRECTORY_PASSWORD} 位 (at least {MIN_DIRECTORY_PASSWORD} characters)"]
    if not valid_region(new.region_code.strip()):
        errors["region_code"] = [f"{new.region_code!r} 不是有效的广东省行政区划代码 (not a Guangdong region code)"]
    unknown = [r for r in new.roles if r not in Role._value2member_map_]
    if not new.roles or unknown:
        errors["roles"] = [f"至少选择一个有效角色 (at least one known role){'：' + ', '.join(unknown) if unknown else ''}"]
    if is_enterprise and not valid_credit_code(credit):
        errors["credit_code"] = [f"{new.credit_code!r} 不是有效的统一社会信用代码 (GB 32100 check failed)"]
    elif not is_enterprise and credit:
        errors["credit_code"] = ["仅企业账号填写统一社会信用代码 (only enterprise accounts have a credit code)"]
    return errors
