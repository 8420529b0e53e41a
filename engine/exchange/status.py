"""The watched daily sync: per category the last batch, records in and out, refusals, pending records, and the
lag against the agreed schedule (:mod:`engine.exchange.schedule`).

A category is due at each scheduled moment (daily at ``by``, or monthly on ``day`` at ``by``, Asia/Shanghai).
Incoming: after a batch arrives, the next batch is due at the first scheduled moment after it; past that moment
plus ``grace_hours`` the category is late, and the lag is the time since that moment. Outgoing: the oldest
batch not yet pulled by the tax side is due at the first scheduled moment after it was published. Categories
sent on events (``every: event``) are never late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import REVIEWER_ROLES, Actor, Role
from engine.db import utcnow
from engine.errors import NotAllowed
from engine.exchange import schedule as schedules
from engine.exchange.categories import LABELS, TAX_SIDE, Category, ENVIRONMENT_SIDE, direction_of
from engine.exchange.models import BatchStatus, Direction, ExchangeBatch, ExchangeRefusal

CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class CategoryStatus:
    category: str
    label: str
    direction: str
    every: str
    last_batch_no: str | None
    last_batch_at: datetime | None
    last_status: str | None
    batches: int  # within the window
    records_in: int  # accepted + unchanged records received within the window
    records_out: int  # records offered within the window
    refused: int  # records refused within the window
    pending: int  # outgoing records not yet pulled
    due_at: datetime | None
    lag_hours: float | None
    late: bool
    schedule_version: int


def next_due(rule: dict[str, Any], after: datetime) -> datetime | None:
    """The first scheduled moment strictly after ``after``; None for event categories."""
    if rule["every"] == "event":
        return None
    hour, minute = (int(part) for part in rule["by"].split(":"))
    local = after.astimezone(CHINA)
    if rule["every"] == "day":
        moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return moment if moment > local else moment + timedelta(days=1)
    moment = local.replace(day=rule["day"], hour=hour, minute=minute, second=0, microsecond=0)
    if moment > local:
        return moment
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return moment.replace(year=year, month=month)


def category_status(session: Session, now: datetime | None = None, window: timedelta = timedelta(days=1)
                    ) -> list[CategoryStatus]:
    """The status of every category, in the order tax side first, then environment side."""
    moment = now or utcnow()
    rules = schedules.current(session)
    since = moment - window
    sums = _window_sums(session, since)
    return [_one(session, category, rules, sums.get(category.value, {}), moment)
            for category in (*TAX_SIDE, *ENVIRONMENT_SIDE)]


def _window_sums(session: Session, since: datetime) -> dict[str, dict[str, int]]:
    rows = session.execute(select(
        ExchangeBatch.category, func.count(), func.sum(ExchangeBatch.accepted + ExchangeBatch.unchanged),
        func.sum(ExchangeBatch.refused), func.sum(ExchangeBatch.record_count))
        .where(ExchangeBatch.received_at >= since).group_by(ExchangeBatch.category)).all()
    return {category: {"batches": int(n), "accepted": int(a or 0), "refused": int(r or 0), "records": int(c or 0)}
            for category, n, a, r, c in rows}


def _one(session: Session, category: Category, rules: schedules.Schedule, sums: dict[str, int],
         now: datetime) -> CategoryStatus:
    direction = direction_of(category)
    last = session.scalars(select(ExchangeBatch).where(ExchangeBatch.category == category.value)
                           .order_by(ExchangeBatch.received_at.desc(), ExchangeBatch.id.desc()).limit(1)).first()
    pending = 0
    if direction == Direction.OUT.value:
        oldest = session.scalars(select(ExchangeBatch).where(
            ExchangeBatch.category == category.value, ExchangeBatch.status == BatchStatus.PUBLISHED.value)
            .order_by(ExchangeBatch.id).limit(1)).first()
        pending = int(session.scalar(select(func.sum(ExchangeBatch.record_count)).where(
            ExchangeBatch.category == category.value, ExchangeBatch.status == BatchStatus.PUBLISHED.value)) or 0)
        reference = oldest.received_at if oldest is not None else None
    else:
        reference = last.received_at if last is not None else None
    rule = rules.of(category)
    due, lag, late = _lag(rule, reference, now, waiting=direction == Direction.IN.value)
    return CategoryStatus(
        category=category.value, label=LABELS[category], direction=direction, every=rule["every"],
        last_batch_no=last.batch_no if last else None, last_batch_at=last.received_at if last else None,
        last_status=last.status if last else None, batches=sums.get("batches", 0),
        records_in=sums.get("accepted", 0) if direction == "in" else 0,
        records_out=sums.get("records", 0) if direction == "out" else 0, refused=sums.get("refused", 0),
        pending=pending, due_at=due, lag_hours=lag, late=late, schedule_version=rules.version)


def _lag(rule: dict[str, Any], reference: datetime | None, now: datetime,
         waiting: bool) -> tuple[datetime | None, float | None, bool]:
    """When the category was (or is) due, how many hours it is behind, and whether that is past the grace."""
    if rule["every"] == "event":
        return None, None, False
    if reference is None:
        # incoming: nothing ever received is late; outgoing: nothing waiting to be pulled is never late
        return (None, None, True) if waiting else (None, 0.0, False)
    due = next_due(rule, reference)
    assert due is not None
    behind = max(0.0, (now - due).total_seconds() / 3600)
    return due, round(behind, 2), now > due + timedelta(hours=int(rule.get("grace_hours", 0)))


def require_viewer(actor: Actor) -> None:
    """The sync's status is for administrators, reviewers and the tax client.

    :raises NotAllowed: an enterprise account or a person without a reviewing role.
    """
    if not (actor.is_admin or Role.TAX_CLIENT in actor.roles or actor.roles & REVIEWER_ROLES):
        raise NotAllowed("无权查看涉税交换状态 (not allowed to see the exchange status)")


@dataclass(frozen=True)
class Board:
    """What the sync's status page shows: every category, the latest batches with their refusals, the schedule."""

    categories: list[CategoryStatus]
    batches: list[ExchangeBatch]
    refusals: dict[int, list[ExchangeRefusal]]
    schedule: schedules.Schedule


def board(session: Session, actor: Actor, now: datetime | None = None, batches: int = 30,
          refusals_per_batch: int = 20) -> Board:
    """The status page's data.

    :raises NotAllowed: see :func:`require_viewer`.
    """
    require_viewer(actor)
    latest = list(session.scalars(select(ExchangeBatch).order_by(ExchangeBatch.received_at.desc(),
                                                                 ExchangeBatch.id.desc()).limit(batches)))
    refused: dict[int, list[ExchangeRefusal]] = {}
    for batch in latest:
        if batch.refused:
            refused[batch.id] = list(session.scalars(select(ExchangeRefusal).where(
                ExchangeRefusal.batch_id == batch.id).order_by(ExchangeRefusal.position, ExchangeRefusal.id)
                .limit(refusals_per_batch)))
    return Board(category_status(session, now), latest, refused, schedules.current(session))
