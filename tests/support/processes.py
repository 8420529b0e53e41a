"""Helpers that walk the credit, tax, emergency-plan and support-ticket processes in tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.workflow.runtime import element_id
from engine.actors import Actor, Role
from engine.credit import ratings
from engine.errors import NotAllowed, TaskNotFound
from engine.evidence.filestore import LocalFileStore
from engine.credit.models import CreditRating
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.identity.models import LocalUser
from engine.calendar.holidays import current_calendar
from engine.evidence import library as evidence
from engine.tasks import actions as tasks
from engine.workflow import timers
from tests.support.actors import (
    ADMIN, CITY_GZ, CITY_SZ, COUNTY_BAIYUN, COUNTY_TIANHE, ENT_BAIYUN, ENT_TIANHE, ENTERPRISE_TIANHE, PROVINCE,
)
from tests.support.flows import pdf_stream

PROVINCE_B = Actor("province-2", frozenset({Role.PROVINCE_REVIEWER}), "440000")
COUNTY_TIANHE_B = Actor("county-440106-b", frozenset({Role.COUNTY_REVIEWER}), "440106")
CITY_GZ_B = Actor("city-440100-b", frozenset({Role.CITY_REVIEWER}), "440100")
TAX = Actor("tax-system", frozenset({Role.TAX_CLIENT}), "440000")
SUPPORT = Actor("support", frozenset({Role.ADMIN}), "440000")
SUPPORT_B = Actor("support-2", frozenset({Role.ADMIN}), "440000")

# every reviewer and enterprise of the demo province that is *not* the one named, for wrong-actor checks
OUTSIDERS = {
    "enterprise": [ENT_BAIYUN, COUNTY_TIANHE, CITY_GZ, PROVINCE, TAX],
    "county_reviewer": [ENT_TIANHE, COUNTY_BAIYUN, CITY_SZ, TAX],
    "city_reviewer": [ENT_TIANHE, COUNTY_TIANHE, CITY_SZ, TAX],
    "province_reviewer": [ENT_TIANHE, COUNTY_TIANHE, CITY_GZ, TAX],
    "admin": [ENT_TIANHE, COUNTY_TIANHE, CITY_GZ, TAX],
}


def create_people(session: Session, *actors: Actor) -> None:
    """Local accounts for actors that operations look up by name (transfer, delegate, copy).

    Rows are added directly: these accounts never log in, and hashing passwords would cost a quarter
    of a second each.
    """
    for actor in actors:
        session.add(LocalUser(username=actor.username, password_hash="!", display_name=actor.username,
                              roles=sorted(r.value for r in actor.roles), region_code=actor.region_code,
                              enterprise_code=actor.enterprise_code))
    session.flush()


def ready_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    return list(session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.READY)
        .order_by(HumanTask.created_at, HumanTask.id)))


def ready(session: Session, instance_id: int, step: str, assignee: str | None = None) -> HumanTask:
    """The one ready task of ``step`` (for a countersign, the one pinned to ``assignee``)."""
    found = [t for t in ready_tasks(session, instance_id)
             if element_id(t.spec_name) == step and (assignee is None or t.assignee == assignee)]
    assert len(found) == 1, f"expected one ready {step}, found {[(t.spec_name, t.assignee) for t in ready_tasks(session, instance_id)]}"
    return found[0]


def waiting_at(session: Session, instance_id: int) -> list[str]:
    """The steps the instance waits at, sorted (countersign instances once each)."""
    return sorted(element_id(t.spec_name) for t in ready_tasks(session, instance_id))


def complete(session: Session, actor: Actor, instance_id: int, step: str, data: dict[str, Any]) -> HumanTask:
    task = ready(session, instance_id, step, actor.username if _is_pinned(session, instance_id, step) else None)
    return tasks.complete(session, actor, task.id, data)


def _is_pinned(session: Session, instance_id: int, step: str) -> bool:
    return any(t.assignee for t in ready_tasks(session, instance_id) if element_id(t.spec_name) == step)


def step_row(session: Session, instance_id: int, step: str) -> HumanTask:
    """The only task row (of any status) the instance has for ``step``."""
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                   HumanTask.spec_name == step)).one()


def history(session: Session, instance_id: int) -> list[tuple[str, str]]:
    """(step, status) of every task row of the instance, oldest first."""
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                           .order_by(HumanTask.created_at, HumanTask.id))
    return [(element_id(t.spec_name), t.status) for t in rows]


def actions(session: Session, instance_id: int) -> list[str]:
    return [e.action for e in audit.instance_events(session, instance_id)]


def assert_refused(session: Session, task: HumanTask, actors: Iterable[Actor], data: dict[str, Any]) -> None:
    """Each actor is refused the task (not allowed, or not even shown it) and the task stays ready."""
    for actor in actors:
        with pytest.raises((NotAllowed, TaskNotFound)):
            tasks.complete(session, actor, task.id, data)
        assert task.status == TaskStatus.READY, actor.username


def status(session: Session, instance: ProcessInstance) -> str:
    session.refresh(instance)
    return instance.status


def library_file(session: Session, store: LocalFileStore, actor: Actor, tag: str = "") -> int:
    return evidence.upload(session, store, actor, pdf_stream(tag or actor.username), "证明材料.pdf").id


def propose_rating(
    session: Session, level: int, *, enterprise_code: str = ENTERPRISE_TIANHE, region_code: str = "440106",
    assessing: str = "county", deciding: str = "province", notice_days: int = 15, year: int = 2025,
    starts_at: datetime | None = None,
) -> CreditRating:
    notice = ratings.propose(
        session, ADMIN, year=year, title=f"{year} 年度企业环境信用评价拟评价结果公示", region_code="440000",
        notice_days=notice_days, starts_at=starts_at,
        ratings=[ratings.ProposedRating(enterprise_code, "广州天河环保热电有限公司", region_code, level,
                                        assessing, deciding)])
    return session.scalars(select(CreditRating).where(CreditRating.notice_id == notice.id)).one()


def now() -> datetime:
    return datetime.now(timezone.utc)


@contextmanager
def later(**delta: float) -> Iterator[datetime]:
    """Move the clock forward (frozen) for the block; yields the new time."""
    moment = now() + timedelta(**delta)
    with time_machine.travel(moment, tick=False):
        yield moment


def workday_deadline(session: Session, workdays: int) -> datetime:
    """The deadline ``workdays`` Chinese working days from now, as the engine computes it."""
    return current_calendar(session).add_workdays(now(), workdays).due_at


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    """Freeze the clock at ``moment`` for the block."""
    with time_machine.travel(moment, tick=False):
        yield moment


def sweep(session: Session) -> list[int]:
    """Fire the timers due now (the scheduler's job, in the test's transaction)."""
    return timers.sweep_batch(session, now())
