"""修改密码: local accounts change their password under the policy; administrators reset one and force a change.

The policy is data an administrator changes like a process's settings (流程配置
→ ``password_policy``, versioned and audited by :mod:`engine.workflow.configs`);
its defaults ship in ``workflows/bpmn/password_policy.config.json`` and follow
GB/T 22239-2019 (等保 2.0) level 2, 8.1.4.1 a): credentials must be complex and
changed. Changing or resetting a password ends the account's other browser
sessions and every bearer token it holds, and is audited; passwords and their
hashes never enter the audit trail or the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.actors import Actor
from engine.db import utcnow
from engine.errors import AuthenticationFailed, InvalidInput, NotAllowed, NotFound
from engine.identity.models import LocalUser
from engine.identity.models import PasswordHistory
from engine.identity.models import UserSession
from engine.identity import access_tokens

log = logging.getLogger(__name__)

POLICY_KEY = "password_policy"
MAX_PASSWORD = 128
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    min_classes: int = 3
    history_count: int = 5
    forbid_username: bool = True

    def describe(self) -> list[str]:
        """The rules in Chinese, as the change page shows them (等保二级)."""
        rules = [f"长度至少 {self.min_length} 位（最多 {MAX_PASSWORD} 位）",
                 f"至少包含大写字母、小写字母、数字、特殊字符中的 {self.min_classes} 类"]
        if self.forbid_username:
            rules.append("不得包含用户名")
        if self.history_count:
            rules.append(f"不得与最近 {self.history_count} 次使用过的密码相同")
        return rules


def from_values(values: Mapping[str, Any]) -> PasswordPolicy:
    """The policy from the ``password_policy`` settings in force (unknown keys ignored, missing ones default)."""
    return PasswordPolicy(**{k: values[k] for k in PasswordPolicy.__dataclass_fields__ if k in values})


def problems(rules: PasswordPolicy, username: str, password: str) -> list[str]:
    """What the password breaks, one message per rule (empty when it complies)."""
    found: list[str] = []
    if not rules.min_length <= len(password) <= MAX_PASSWORD:
        found.append(f"密码长度须为 {rules.min_length}–{MAX_PASSWORD} 位 (length {rules.min_length}–{MAX_PASSWORD})")
    classes = sum(any(test(c) for c in password) for test in _CLASSES)
    if classes < rules.min_classes:
        found.append(f"须包含大写字母、小写字母、数字、特殊字符中的至少 {rules.min_classes} 类 "
                     f"(at least {rules.min_classes} character classes)")
    if rules.forbid_username and username and username.casefold() in password.casefold():
        found.append("密码不得包含用户名 (must not contain the user name)")
    return found


_CLASSES = (str.isupper, str.islower, str.isdigit, lambda c: not c.isalnum() and c.isprintable())


def must_change(session: Session, username: str) -> bool:
    """Whether a local account must change its password before doing anything else."""
    flag = session.scalar(select(LocalUser.must_change_password).where(LocalUser.username == username))
    return bool(flag)


def is_local(session: Session, username: str) -> bool:
    return session.scalar(select(LocalUser.id).where(LocalUser.username == username)) is not None


def change_own(session: Session, actor: Actor, current: str, new: str, repeated: str, rules: PasswordPolicy,
               keep_session: str | None = None) -> LocalUser:
    """Change the actor's own local password; other sessions and all bearer tokens end.

    :raises NotFound: the actor has no local account (directory users change theirs in the directory).
    :raises InvalidInput: naming the field: wrong current password, repetition differs, policy broken.
    """
    user = _local(session, actor.username)
    if not _verifies(user.password_hash, current):
        raise InvalidInput("当前密码不正确 (wrong current password)", fields={"current": ["当前密码不正确"]})
    if new != repeated:
        raise InvalidInput("两次输入的新密码不一致 (passwords differ)", fields={"repeated": ["两次输入的新密码不一致"]})
    found = problems(rules, user.username, new)
    if _reused(session, user, new, rules.history_count):
        found.append(f"不得与最近 {rules.history_count} 次使用过的密码相同 (one of the last {rules.history_count})")
    if found:
        raise InvalidInput("新密码不符合密码策略 (password policy)", fields={"new": found})
    _store(session, user, new, must_change=False)
    ended = _end_access(session, user.username, "password", keep_session)
    audit.record(session, actor, "auth.password_change", payload={"username": user.username, **ended})
    log.info("%s changed its password", user.username)
    return user


class PasswordDirectory(Protocol):
    """The directory's side of 修改密码 (``integrations.ldap`` provides it)."""

    @property
    def password_change_allowed(self) -> bool: ...

    @property
    def password_url(self) -> str: ...

    def change_password(self, login: str, old: str, new: str) -> None: ...


def change_in_directory(session: Session, actor: Actor, directory: PasswordDirectory | None, current: str, new: str,
                        repeated: str, rules: PasswordPolicy, keep_session: str | None = None) -> None:
    """Change a directory account's password through the directory, where the deployment allows it.

    The policy's rules apply too (the directory keeps the history and may refuse more).

    :raises NotAllowed: the deployment sends people to the directory's own page instead.
    :raises InvalidInput: naming the field: wrong current password, repetition differs, policy broken.
    :raises DirectoryUnavailable: when no directory server answers.
    """
    if directory is None or not directory.password_change_allowed:
        raise NotAllowed("目录账号请在统一身份认证平台修改密码 (change it in the directory)")
    if new != repeated:
        raise InvalidInput("两次输入的新密码不一致 (passwords differ)", fields={"repeated": ["两次输入的新密码不一致"]})
    found = problems(rules, actor.username, new)
    if found:
        raise InvalidInput("新密码不符合密码策略 (password policy)", fields={"new": found})
    try:
        directory.change_password(actor.username, current, new)
    except AuthenticationFailed:
        raise InvalidInput("当前密码不正确 (wrong current password)", fields={"current": ["当前密码不正确"]}) from None
    ended = _end_access(session, actor.username, "password", keep_session)
    audit.record(session, actor, "auth.password_change", payload={"username": actor.username, "directory": True,
                                                                  **ended})
    log.info("%s changed its directory password", actor.username)


def reset(session: Session, actor: Actor, username: str, temporary: str, rules: PasswordPolicy) -> LocalUser:
    """An administrator sets a temporary password; the account must change it at its next log-in.

    :raises NotAllowed: unless the actor is an admin. :raises NotFound: no such local account.
    :raises InvalidInput: the temporary password breaks the policy.
    """
    if not actor.is_admin:
        raise NotAllowed("only administrators reset passwords")
    user = _local(session, username)
    found = problems(rules, user.username, temporary)
    if found:
        raise InvalidInput("临时密码不符合密码策略 (password policy)", fields={"password": found})
    _store(session, user, temporary, must_change=True)
    ended = _end_access(session, user.username, "reset", None)
    audit.record(session, actor, "user.password_reset", payload={"username": user.username, **ended})
    log.info("%s reset the password of %s", actor.username, user.username)
    return user


def _local(session: Session, username: str) -> LocalUser:
    user = session.scalars(select(LocalUser).where(LocalUser.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"本地账号 {username[:100]!r} 不存在 (no such local account)")
    return user


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return bool(password) and _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _reused(session: Session, user: LocalUser, new: str, count: int) -> bool:
    if count <= 0:
        return False
    former = session.scalars(select(PasswordHistory.password_hash).where(PasswordHistory.username == user.username)
                             .order_by(PasswordHistory.id.desc()).limit(count - 1))
    return any(_verifies(h, new) for h in [user.password_hash, *former])


def _store(session: Session, user: LocalUser, password: str, *, must_change: bool) -> None:
    session.add(PasswordHistory(username=user.username, password_hash=user.password_hash))
    user.password_hash = _HASHER.hash(password)
    user.must_change_password = must_change
    user.password_changed_at = utcnow()
    session.flush()


def _end_access(session: Session, username: str, reason: str, keep_session: str | None) -> dict[str, int]:
    """End the account's browser sessions (but the one it changed from) and all its bearer tokens."""
    query = update(UserSession).where(UserSession.username == username, UserSession.ended_at.is_(None))
    if keep_session:
        query = query.where(UserSession.id != keep_session)
    sessions = session.execute(query.values(ended_at=utcnow(), end_reason=reason))
    tokens = access_tokens.end_all(session, username, reason)
    return {"sessions_ended": int(sessions.rowcount or 0), "tokens_ended": tokens}  # type: ignore[attr-defined]
