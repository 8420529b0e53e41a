"""Enterprise accounts: a one-time initial password with the forced-change flag; closing the enterprise ends its sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, NotAllowed
from engine.identity.models import LocalUser
from engine.register import accounts, changes, imports
from engine.identity import sessions as user_sessions, local_users as users
from tests.engine.register.samples import CODE_A, enterprise_row, register_file
from tests.support.actors import ADMIN, COUNTY_TIANHE


def _register(session: Session) -> None:
    data = register_file([enterprise_row(CODE_A, "天河热电有限公司", "440106")], [])
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, data, "r.xlsx"))


def test_an_account_gets_a_one_time_password_that_logs_in_and_must_be_changed(session: Session) -> None:
    _register(session)
    password = accounts.create_account(session, ADMIN, CODE_A)
    user = session.scalar(select(LocalUser).where(LocalUser.username == CODE_A))
    assert user is not None and user.must_change_password and user.enterprise_code == CODE_A
    assert password not in user.password_hash and len(password) == accounts.PASSWORD_LENGTH
    assert users.authenticate(session, CODE_A, password, allow_demo=False).enterprise_code == CODE_A
    with pytest.raises(Conflict):
        accounts.create_account(session, ADMIN, CODE_A)
    with pytest.raises(NotAllowed):
        accounts.create_account(session, COUNTY_TIANHE, CODE_A)


def test_closing_the_enterprise_disables_its_account_and_ends_its_sessions(session: Session) -> None:
    _register(session)
    password = accounts.create_account(session, ADMIN, CODE_A)
    actor = users.authenticate(session, CODE_A, password, allow_demo=False)
    session_id = user_sessions.start(session, actor, "test")
    changes.save_enterprise(session, ADMIN, {"统一社会信用代码": CODE_A, "运营状态": "关闭"}, create=False)
    user = session.scalar(select(LocalUser).where(LocalUser.username == CODE_A))
    assert user is not None and user.disabled
    assert not user_sessions.active(session, session_id, idle=timedelta(hours=1))
