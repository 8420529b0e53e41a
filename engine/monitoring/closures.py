"""What finished closure tasks mean for the data: conclusions on the case, legitimate gaps for the rates.

A case whose instance ended is stamped with the enterprise's last reason and
the reviewers' conclusion (as the process hook recorded it, else the last one
given). When the conclusion is ``explanation_accepted``
and the reason a shutdown or maintenance, the case's period becomes a
:class:`~engine.monitoring.models.PointDowntime`: those slots leave the rates' denominators.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM, Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import InvalidInput
from engine.monitoring.models import AnomalyCase, MonitoringPoint, PointDowntime
from engine.scoping import require_admin
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)

log = logging.getLogger(__name__)

ACCEPTED = "explanation_accepted"
LEGITIMATE_REASONS = frozenset({"shutdown", "maintenance"})
EXPLAIN_STEP = "explain"


def sync_closed_cases(session: Session, *, limit: int = 500) -> int:
    """Stamp cases whose instance has ended; add a downtime for accepted shutdown/maintenance. Returns the count."""
    rows = session.execute(
        select(AnomalyCase, ProcessInstance).join(ProcessInstance, ProcessInstance.id == AnomalyCase.instance_id)
        .where(AnomalyCase.synced_at.is_(None),
               ProcessInstance.status.in_((InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)))
        .order_by(AnomalyCase.id).limit(limit).with_for_update(of=AnomalyCase)
    ).all()
    for case, instance in rows:
        reason, conclusion = _last_answers(session, instance.id)
        case.reason, case.conclusion = reason, case.conclusion or conclusion
        case.closed_at = case.closed_at or instance.ended_at or utcnow()
        case.synced_at = utcnow()
        if case.conclusion == ACCEPTED and case.reason in LEGITIMATE_REASONS:
            _add_downtime(session, case, instance.id)
    session.flush()
    return len(rows)


def _last_answers(session: Session, instance_id: int) -> tuple[str | None, str | None]:
    """The reason of the last explanation and the conclusion of the last review that gave one."""
    done = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.COMPLETED,
    ).order_by(HumanTask.completed_at.desc()))
    reason = conclusion = None
    for task in done:
        submitted = task.submitted or {}
        if reason is None and task.spec_name == EXPLAIN_STEP and submitted.get("reason"):
            reason = str(submitted["reason"])
        if conclusion is None and task.spec_name != EXPLAIN_STEP and submitted.get("conclusion"):
            conclusion = str(submitted["conclusion"])
    return reason, conclusion


def _add_downtime(session: Session, case: AnomalyCase, instance_id: int) -> None:
    downtime = PointDowntime(point_id=case.point_id, starts_at=case.period_start, ends_at=case.period_end,
                             reason=case.reason or "", source="closure", case_id=case.id,
                             created_by=SYSTEM.username)
    session.add(downtime)
    session.flush()
    audit.record(session, SYSTEM, "monitoring.downtime_add", instance_id=instance_id, payload={
        "case_id": case.id, "point_id": case.point_id, "reason": case.reason,
        "starts_at": case.period_start.isoformat(), "ends_at": case.period_end.isoformat()})
    log.info("case %s: %s accepted, slots %s–%s excluded from rates", case.id, case.reason,
             case.period_start.isoformat(), case.period_end.isoformat())


def add_downtime(
    session: Session, actor: Actor, point_id: int, starts_at: datetime, ends_at: datetime, reason: str
) -> PointDowntime:
    """Record an approved shutdown or maintenance by hand (admins only, audited).

    :raises InvalidInput: unknown point, reason, or an empty period.
    """
    require_admin(actor, "only administrators record downtimes")
    errors: dict[str, list[str]] = {}
    if session.get(MonitoringPoint, point_id) is None:
        errors["point_id"] = ["未知监测点 (unknown point)"]
    if reason not in LEGITIMATE_REASONS:
        errors["reason"] = ["须为 shutdown 或 maintenance"]
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        errors["ends_at"] = ["须晚于开始时间 (must be after the start, with a time zone)"]
    if errors:
        raise InvalidInput("cannot record the downtime", fields=errors)
    downtime = PointDowntime(point_id=point_id, starts_at=starts_at, ends_at=ends_at, reason=reason, source="manual",
                             created_by=actor.username)
    session.add(downtime)
    session.flush()
    audit.record(session, actor, "monitoring.downtime_add", payload={
        "point_id": point_id, "reason": reason, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return downtime
