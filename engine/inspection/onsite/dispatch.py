"""Dispatch (派单): one ``random_inspection`` process per assignment of a draw in force, to its officer pair."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.errors import Conflict, NotAllowed, NotFound
from engine.inspection.assignments import draw_in_force
from engine.inspection.models import DrawAssignment, InspectionPlan
from engine.inspection.onsite.models import InspectionCase
from engine.inspection.onsite.process import PROCESS_KEY
from engine.inspection.models import InspectionObject
from engine.instances import service as instances
from engine.instances.service import StartRequest

log = logging.getLogger(__name__)


def dispatch_plan(session: Session, actor: Actor, plan_id: int) -> list[InspectionCase]:
    """Start an inspection for every assignment of the plan's draw in force that has none yet.

    :raises NotFound: unknown plan, or no draw in force.
    :raises NotAllowed: unless the actor organises the plan or is an administrator.
    """
    plan = session.get(InspectionPlan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    if not (actor.is_admin or actor.username == plan.organiser):
        raise NotAllowed("只有抽查计划的组织者可以派发检查任务 (only the plan's organiser dispatches)")
    draw = draw_in_force(session, plan.id)
    if draw is None:
        raise Conflict(f"计划 {plan.id} 尚未抽取 (no draw in force)")
    dispatched = set(session.scalars(select(InspectionCase.assignment_id).where(InspectionCase.plan_id == plan.id)))
    assignments = session.scalars(select(DrawAssignment).where(DrawAssignment.draw_id == draw.id)
                                  .order_by(DrawAssignment.position)).all()
    started = [_start(session, actor, plan, a) for a in assignments if a.id not in dispatched]
    audit.record(session, actor, "inspection.dispatch_plan",
                 payload={"plan": plan.id, "draw": draw.id, "dispatched": len(started)})
    log.info("plan %s: %s inspections dispatched by %s", plan.id, len(started), actor.username)
    return started


def _start(session: Session, actor: Actor, plan: InspectionPlan, assignment: DrawAssignment) -> InspectionCase:
    unit = session.get(InspectionObject, assignment.object_id)
    assert unit is not None
    instances.start(session, actor, StartRequest(
        PROCESS_KEY, unit.region_code, None, business_key=f"inspection-assignment-{assignment.id}",
        subject=f"双随机检查任务（{plan.title}）"[:300], data={"assignment_id": assignment.id}))
    return session.scalars(select(InspectionCase).where(InspectionCase.assignment_id == assignment.id)).one()
