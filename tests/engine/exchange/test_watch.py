"""The watched sync: when a category is due, lateness against the schedule, and the notices administrators get
(centre and mail) — once per lapse."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, NotAllowed
from engine.exchange import schedule, status, watch
from engine.exchange.models import ExchangeAlert, ExchangeBatch
from engine.identity.models import LocalUser
from engine.notifications.models import Notification, NotificationDelivery, NotificationPreference
from tests.support.actors import ADMIN, COUNTY_TIANHE

CHINA = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA)


def received(session: Session, category: str, at: datetime, *, records: int = 10, refused: int = 0,
             number: str = "B1") -> ExchangeBatch:
    batch = ExchangeBatch(direction="in", category=category, batch_no=number, period="2026-11", sequence=1,
                          record_count=records, checksum="0" * 64, status="partial" if refused else "accepted",
                          accepted=records - refused, refused=refused, sender="tax", received_at=at)
    session.add(batch)
    session.flush()
    return batch


@pytest.fixture
def administrator(session: Session) -> str:
    session.add(LocalUser(username="ops-admin", password_hash="x", roles=["admin"]))
    session.add(NotificationPreference(username="ops-admin", email="ops@example.gd.gov.cn", email_enabled=True,
                                       roles=["admin"]))
    session.flush()
    return "ops-admin"


def test_the_next_due_moment_follows_the_schedule() -> None:
    daily = {"every": "day", "by": "06:00", "grace_hours": 2}
    assert status.next_due(daily, datetime(2026, 11, 20, 5, 0, tzinfo=CHINA)) == datetime(2026, 11, 20, 6, 0,
                                                                                           tzinfo=CHINA)
    assert status.next_due(daily, datetime(2026, 11, 20, 7, 0, tzinfo=CHINA)) == datetime(2026, 11, 21, 6, 0,
                                                                                           tzinfo=CHINA)
    monthly = {"every": "month", "day": 20, "by": "23:59", "grace_hours": 24}
    assert status.next_due(monthly, datetime(2026, 12, 21, tzinfo=CHINA)) == datetime(2027, 1, 20, 23, 59,
                                                                                       tzinfo=CHINA)
    assert status.next_due({"every": "event"}, NOW) is None


def test_a_late_category_notifies_the_administrators_once(session: Session, administrator: str) -> None:
    for category in ("taxpayers", "tax_sources", "tax_returns", "tax_payments"):
        received(session, category, NOW - timedelta(hours=1), number=f"{category}-1")
    received(session, "taxpayers", NOW - timedelta(days=3), number="old")  # an older batch changes nothing
    assert not [s for s in status.category_status(session, NOW) if s.direction == "in" and s.late]

    later = NOW + timedelta(days=1, hours=2)  # tomorrow 14:00: the 06:00 batch plus two hours' grace is missed
    late = {s.category: s for s in status.category_status(session, later) if s.late}
    assert set(late) == {"taxpayers", "tax_sources"}
    assert late["taxpayers"].due_at == datetime(2026, 11, 21, 6, 0, tzinfo=CHINA)
    assert late["taxpayers"].lag_hours == 8.0

    alerts = watch.check(session, later)
    assert sorted(a.category for a in alerts) == ["tax_sources", "taxpayers"]
    notes = session.scalars(select(Notification).where(Notification.recipient == administrator)).all()
    assert len(notes) == 2 and all(n.kind == "exchange_alert" for n in notes)
    assert any("纳税人基础信息" in n.title for n in notes)
    assert len(session.scalars(select(NotificationDelivery)).all()) == 2  # mail queued for the subscriber
    assert watch.check(session, later + timedelta(minutes=30)) == []  # the same lapse is told once


def test_a_batch_refused_beyond_the_threshold_is_reported(session: Session, administrator: str) -> None:
    received(session, "tax_returns", NOW, records=100, refused=5, number="ok")  # 5 %: at the threshold
    heavy = received(session, "tax_returns", NOW, records=100, refused=6, number="heavy")
    alerts = [a for a in watch.check(session, NOW + timedelta(minutes=1)) if a.kind == "refusals"]
    assert [(a.category, a.subject) for a in alerts] == [("tax_returns", str(heavy.id))]
    assert session.scalars(select(ExchangeAlert).where(ExchangeAlert.kind == "refusals")).one().detail["refused"] == 6


def test_the_schedule_is_versioned_validated_and_for_administrators(session: Session) -> None:
    first = schedule.current(session)
    assert first.version == 0 and first.refusal_share == 0.05
    rules = {**first.rules, "refusal_share": 0.2}
    saved = schedule.save(session, ADMIN, rules, "新协议")
    assert (saved.version, schedule.current(session).refusal_share) == (1, 0.2)
    with pytest.raises(InvalidInput) as bad:
        schedule.save(session, ADMIN, {**rules, "categories": {"taxpayers": {"every": "hourly"}}}, "x")
    assert list(bad.value.fields) == ["categories.taxpayers.every"]
    with pytest.raises(InvalidInput) as incomplete:
        schedule.save(session, ADMIN, {**rules, "categories": {"taxpayers": rules["categories"]["taxpayers"]}}, "x")
    assert list(incomplete.value.fields) == ["categories"]
    with pytest.raises(NotAllowed):
        schedule.save(session, COUNTY_TIANHE, rules, "x")
