"""The timer sweep: fire the persisted timers that are due.

Instances carry their earliest timer in ``next_timer_at``. A sweep picks due
instances with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; on SQLite the write
lock taken at BEGIN serializes sweeps), fires their timers and stores the
new state and next due time in the same transaction. Two sweeps running at
once therefore never fire the same timer twice.

An instance whose step fails while its timer fires (an expression past its time
budget or size bounds, a timer value the runtime refuses) becomes an incident: its
changes are rolled back to a savepoint, it is suspended with the error in the audit
trail (``instance.incident``), and the sweep goes on with the other instances.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM
from engine.audit import trail as audit
from engine.errors import InvalidModel
from engine.workflow import runtime
from engine.workflow.models import HumanTask, InstanceStatus, ProcessInstance
from engine.write_batch import WriteBatch

log = logging.getLogger(__name__)

DEFAULT_BATCH = 50


def sweep_batch(session: Session, now: datetime, limit: int = DEFAULT_BATCH) -> list[int]:
    """Fire due timers of up to ``limit`` instances; returns their ids (the caller commits)."""
    due = session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.status == InstanceStatus.RUNNING, ProcessInstance.next_timer_at <= now)
        .order_by(ProcessInstance.next_timer_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for row in due:
        try:
            with session.begin_nested():
                _fire(session, row, now)
        except InvalidModel as exc:
            _incident(session, row, exc)
    return [row.id for row in due]


def _incident(session: Session, row: ProcessInstance, exc: InvalidModel) -> None:
    """Suspend an instance whose timer step failed, so that it neither blocks nor repeats the sweep."""
    row.status, row.next_timer_at = InstanceStatus.SUSPENDED, None
    session.flush()
    audit.record(session, SYSTEM, "instance.incident", instance_id=row.id, payload={"error": exc.message[:1000]})
    log.warning("instance %s suspended: its timer step failed: %s", row.id, exc.message)


def _fire(session: Session, row: ProcessInstance, now: datetime) -> None:
    live = runtime.load(session, row)
    before = {(e.name, e.value) for e in live.workflow.waiting_events()}

    def record(writes: WriteBatch, created: list[HumanTask]) -> None:
        """The firing's audit event, in the advance's writes, if a timer fired or a task opened."""
        fired = sorted(name for name, value in before - {(e.name, e.value) for e in live.workflow.waiting_events()})
        if fired or created:
            audit.record(
                session, SYSTEM, "timer.fire", instance_id=row.id, writes=writes,
                payload={"timers": fired, "due_before": now.isoformat(), "tasks": [t.spec_name for t in created]},
            )
            log.info("instance %s: timers %s fired", row.id, fired)

    runtime.advance(session, live, fire_timers=True, then_write=record)
