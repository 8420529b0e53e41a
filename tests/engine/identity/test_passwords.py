"""修改密码 (#24 item 3): the policy's rules, history, forced change after a reset, sessions and tokens ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.errors import InvalidInput, NotAllowed, NotFound
from engine.identity.models import AccessToken
from engine.audit.models import AuditEvent
from engine.identity.models import UserSession
from engine.identity import access_tokens
from engine.identity import passwords as account_passwords
from engine.workflow import configs
from engine.identity import sessions as user_sessions, local_users as users
from engine.identity.passwords import PasswordPolicy, problems
from tests.support.actors import ADMIN

RULES = PasswordPolicy()
REVIEWER = Actor("reviewer-ph", frozenset({Role.CITY_REVIEWER}), "440100")
FIRST = "Huanbao#2026"


@pytest.fixture
def account(session: Session) -> Actor:
    users.create(session, REVIEWER.username, FIRST, [Role.CITY_REVIEWER], region_code="440100")
    return REVIEWER


@pytest.mark.parametrize(("password", "words"), [
    ("Ab1#", "长度"),
    ("abcdefgh12", "3 类"),
    ("ABCDEFGH", "3 类"),
    ("Reviewer-ph#1", "用户名"),
    ("x" * 129, "长度"),
])
def test_policy_rules_name_what_is_wrong(password: str, words: str) -> None:
    found = problems(PasswordPolicy(), "reviewer-ph", password)
    assert any(words in message for message in found), found


def test_a_complex_password_complies() -> None:
    assert problems(PasswordPolicy(), "reviewer-ph", "Qingshan&Lvshui9") == []


def test_policy_is_described_in_chinese() -> None:
    text = "；".join(PasswordPolicy().describe())
    assert "至少 8 位" in text and "3 类" in text and "用户名" in text and "最近 5 次" in text


def test_change_needs_the_current_password_and_the_same_new_one_twice(session: Session, account: Actor) -> None:
    with pytest.raises(InvalidInput) as wrong:
        account_passwords.change_own(session, account, "not-it", "Lvshui&Qingshan7", "Lvshui&Qingshan7", RULES)
    assert "current" in wrong.value.details["fields"]  # type: ignore[operator]
    with pytest.raises(InvalidInput) as differs:
        account_passwords.change_own(session, account, FIRST, "Lvshui&Qingshan7", "Lvshui&Qingshan8", RULES)
    assert "repeated" in differs.value.details["fields"]  # type: ignore[operator]


def test_old_password_is_refused_after_a_change(session: Session, account: Actor) -> None:
    account_passwords.change_own(session, account, FIRST, "Lvshui&Qingshan7", "Lvshui&Qingshan7", RULES)
    with pytest.raises(Exception):
        users.authenticate(session, account.username, FIRST, allow_demo=False)
    assert users.authenticate(session, account.username, "Lvshui&Qingshan7", allow_demo=False).username == \
        account.username
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.password_change")).all()
    assert events and FIRST not in str(events[-1].payload) and "hash" not in str(events[-1].payload)


def test_none_of_the_last_five_may_be_reused(session: Session, account: Actor) -> None:
    passwords = [FIRST] + [f"Lvshui&Qingshan{n}" for n in range(1, 6)]
    for old, new in zip(passwords, passwords[1:]):
        account_passwords.change_own(session, account, old, new, new, RULES)
    current = passwords[-1]
    for recent in passwords[1:]:  # the current one and the four before it
        with pytest.raises(InvalidInput, match="password policy") as refused:
            account_passwords.change_own(session, account, current, recent, recent, RULES)
        assert "最近 5 次" in str(refused.value.details["fields"])
    account_passwords.change_own(session, account, current, FIRST, FIRST, RULES)  # six passwords back: allowed again


def test_change_ends_other_sessions_and_every_token(session: Session, account: Actor) -> None:
    mine, other = user_sessions.start(session, account, "a"), user_sessions.start(session, account, "b")
    token = access_tokens.issue(session, account, timedelta(minutes=15))
    account_passwords.change_own(session, account, FIRST, "Lvshui&Qingshan7", "Lvshui&Qingshan7", RULES,
                                 keep_session=mine)
    session.expire_all()
    assert session.get(UserSession, mine).ended_at is None  # type: ignore[union-attr]
    assert session.get(UserSession, other).ended_at is not None  # type: ignore[union-attr]
    assert session.get(AccessToken, token.id).ended_at is not None  # type: ignore[union-attr]


def test_reset_forces_a_change_and_ends_everything(session: Session, account: Actor) -> None:
    own = user_sessions.start(session, account, "a")
    account_passwords.reset(session, ADMIN, account.username, "Linshi#Mima2026", RULES)
    session.expire_all()
    assert account_passwords.must_change(session, account.username)
    assert session.get(UserSession, own).ended_at is not None  # type: ignore[union-attr]
    account_passwords.change_own(session, account, "Linshi#Mima2026", "Lvshui&Qingshan7", "Lvshui&Qingshan7", RULES)
    assert not account_passwords.must_change(session, account.username)
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_reset")).all()


def test_only_admins_reset_and_only_local_accounts_change(session: Session, account: Actor) -> None:
    with pytest.raises(NotAllowed):
        account_passwords.reset(session, account, account.username, "Linshi#Mima2026", RULES)
    with pytest.raises(NotFound):
        account_passwords.change_own(session, Actor("dir-user", frozenset({Role.CITY_REVIEWER}), "440100"),
                                     "x", "Lvshui&Qingshan7", "Lvshui&Qingshan7", RULES)
    with pytest.raises(InvalidInput, match="policy"):
        account_passwords.reset(session, ADMIN, account.username, "short", RULES)


def test_policy_is_data_an_admin_changes_versioned_and_audited(session: Session, account: Actor) -> None:
    configs.change(session, ADMIN, account_passwords.POLICY_KEY, {"min_length": 20})
    stricter = account_passwords.from_values(configs.current_values(session, account_passwords.POLICY_KEY))
    assert stricter.min_length == 20 and stricter.history_count == 5
    with pytest.raises(InvalidInput, match="password policy"):
        account_passwords.change_own(session, account, FIRST, "Lvshui&Qingshan7", "Lvshui&Qingshan7", stricter)
    with pytest.raises(InvalidInput):  # MLPS level 2: never below 8
        configs.change(session, ADMIN, account_passwords.POLICY_KEY, {"min_length": 4})
    audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "config.change")).all()
    assert any(e.payload.get("process") == "password_policy" for e in audited)
