"""The 双随机 card of the reviewers' dashboard: where the inspections in the viewer's scope stand.

Counted from the task index of the ``random_inspection`` process (the dashboard sits below the
inspection capability, so it reads the steps, not the inspection cases): inspections waiting on site and
overdue there, conclusions and publications waiting, publications past the 一公开 deadline, follow-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.scoping import instance_clause
from engine.workflow.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus

PROCESS_KEY = "random_inspection"
ONSITE = ("onsite_record", "onsite_confirm")
REVIEW = ("section_review", "city_review")
PUBLISH = ("publish", "city_publish")
FOLLOW_UP = ("rectify_report", "follow_up")
DAYS = 30


@dataclass(frozen=True)
class InspectionCard:
    onsite: int
    onsite_overdue: int
    review: int
    publish: int
    publish_overdue: int
    follow_up: int
    closed_30d: int

    @property
    def shown(self) -> bool:
        return any((self.onsite, self.review, self.publish, self.follow_up, self.closed_30d))


def inspection_card(session: Session, actor: Actor, now: datetime) -> InspectionCard:
    """The counts over the inspections the actor may see (the dashboard's scope rule)."""
    scope = and_(HumanTask.process_key == PROCESS_KEY, HumanTask.status == TaskStatus.READY,
                 instance_clause(actor, HumanTask.region_code, HumanTask.enterprise_code, HumanTask.process_key))
    steps = dict(session.execute(select(HumanTask.spec_name, func.count()).where(scope)
                                 .group_by(HumanTask.spec_name)).all())
    late = dict(session.execute(select(HumanTask.spec_name, func.count()).where(scope, HumanTask.due_at < now)
                                .group_by(HumanTask.spec_name)).all())
    closed = session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.process_key == PROCESS_KEY, ProcessInstance.status == InstanceStatus.COMPLETED,
        ProcessInstance.ended_at >= now - timedelta(days=DAYS),
        instance_clause(actor, ProcessInstance.region_code, ProcessInstance.enterprise_code,
                        ProcessInstance.process_key))) or 0

    def total(counts: dict[str, int], names: tuple[str, ...]) -> int:
        return sum(int(counts.get(name, 0)) for name in names)

    return InspectionCard(onsite=total(steps, ONSITE), onsite_overdue=total(late, ONSITE),
                          review=total(steps, REVIEW), publish=total(steps, PUBLISH),
                          publish_overdue=total(late, PUBLISH), follow_up=total(steps, FOLLOW_UP),
                          closed_30d=int(closed))
