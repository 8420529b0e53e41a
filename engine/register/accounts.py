"""Enterprise log-ins kept with the register: a local account with a one-time initial password; closing ends them.

The initial password is returned once (shown to the administrator, never stored in
clear) and the account is flagged ``must_change_password``: the log-in then leads
to 修改密码 until it is changed (:mod:`engine.identity.passwords`). An enterprise
whose status becomes 关闭 (closed) has its local accounts disabled and their
sessions ended.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.errors import Conflict, NotFound
from engine.identity import local_users as users
from engine.identity import sessions as user_sessions
from engine.identity.models import LocalUser
from engine.monitoring.models import Enterprise
from engine.scoping import require_admin

PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 12


def initial_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def create_account(session: Session, actor: Actor, credit_code: str) -> str:
    """Create the enterprise's local log-in (user name = credit code); returns the one-time password.

    :raises NotAllowed: not an admin. :raises NotFound: unknown enterprise. :raises Conflict: it has one.
    """
    require_admin(actor, "只有管理员可以创建企业账号 (only administrators create enterprise accounts)")
    enterprise = session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))
    if enterprise is None:
        raise NotFound(f"enterprise {credit_code} not found")
    if session.scalar(select(LocalUser.id).where(LocalUser.username == credit_code)) is not None:
        raise Conflict(f"enterprise {credit_code} already has an account")
    password = initial_password()
    user = users.create(session, credit_code, password, [Role.ENTERPRISE], region_code=enterprise.region_code,
                        enterprise_code=credit_code, display_name=enterprise.name)
    user.must_change_password = True
    session.flush()
    audit.record(session, actor, "register.account_create", payload={"credit_code": credit_code})
    return password


def close_accounts(session: Session, actor: Actor, credit_codes: Iterable[str]) -> int:
    """Disable the local accounts of closed enterprises and end their sessions; returns how many accounts."""
    codes = sorted(set(credit_codes))
    if not codes:
        return 0
    names = list(session.scalars(select(LocalUser.username).where(
        LocalUser.enterprise_code.in_(codes), LocalUser.disabled.is_(False))))
    if not names:
        return 0
    session.execute(update(LocalUser).where(LocalUser.username.in_(names)).values(disabled=True))
    for name in names:
        user_sessions.end_all(session, name, "enterprise_closed")
    audit.record(session, actor, "register.accounts_close", payload={"usernames": names})
    return len(names)
