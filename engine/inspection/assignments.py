"""Who may read drawn assignments (保密机制), every read audited.

Before an assignment's planned date only the plan's organiser and its two officers see it. From that date
on, reviewers whose region covers the plan's body and administrators see it too, and the object's
enterprise sees its own. Anyone else is told the assignment does not exist. Once the draw's seed is
revealed the list is public (engine.inspection.public).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.errors import NotFound
from engine.inspection.access import manages
from engine.inspection.inputs import IN_FORCE
from engine.inspection.models import (
    Draw,
    DrawAssignment,
    InspectionItem,
    InspectionObject,
    InspectionPlan,
    Officer,
    PlanItem,
)


@dataclass(frozen=True)
class AssignmentView:
    assignment: DrawAssignment
    object: InspectionObject
    officers: tuple[Officer, Officer]
    plan: InspectionPlan
    draw: Draw
    items: list[InspectionItem]


def officer_for(session: Session, username: str) -> Officer | None:
    return session.scalars(select(Officer).where(Officer.username == username)).first()


def draw_in_force(session: Session, plan_id: int) -> Draw | None:
    """The plan's draw whose assignments are inspected: its latest drawn or revealed one."""
    return session.scalars(select(Draw).where(Draw.plan_id == plan_id, Draw.status.in_(IN_FORCE))
                           .order_by(Draw.sequence.desc()).limit(1)).first()


def plan_items(session: Session, plan_id: int) -> list[InspectionItem]:
    return list(session.scalars(select(InspectionItem).join(PlanItem, PlanItem.item_id == InspectionItem.id)
                                .where(PlanItem.plan_id == plan_id).order_by(InspectionItem.code)))


def may_read(actor: Actor, view_plan: InspectionPlan, assignment: DrawAssignment, obj: InspectionObject,
             officers: tuple[Officer, Officer], today: date) -> bool:
    """The confidentiality rule (module docstring) for one assignment."""
    if actor.username == view_plan.organiser or actor.username in {o.username for o in officers if o.username}:
        return True
    if assignment.planned_date > today:
        return False
    if Role.ENTERPRISE in actor.roles:
        return actor.enterprise_code == obj.enterprise_code
    return manages(actor, view_plan.body_region_code)


def _view(session: Session, assignment: DrawAssignment) -> AssignmentView:
    draw = session.get(Draw, assignment.draw_id)
    assert draw is not None
    plan = session.get(InspectionPlan, draw.plan_id)
    obj = session.get(InspectionObject, assignment.object_id)
    first, second = session.get(Officer, assignment.officer1_id), session.get(Officer, assignment.officer2_id)
    assert plan is not None and obj is not None and first is not None and second is not None
    return AssignmentView(assignment, obj, (first, second), plan, draw, plan_items(session, plan.id))


def assignment_for(session: Session, actor: Actor, assignment_id: int, today: date) -> AssignmentView:
    """One assignment, if the confidentiality rule lets the actor read it (audited).

    :raises NotFound: no such assignment, superseded, or not readable by the actor (never says which).
    """
    assignment = session.get(DrawAssignment, assignment_id)
    view = _view(session, assignment) if assignment is not None else None
    if view is None or view.draw.status not in IN_FORCE or not may_read(
            actor, view.plan, view.assignment, view.object, view.officers, today):
        raise NotFound(f"检查任务 {assignment_id} 不存在 (no such assignment)")
    audit.record(session, actor, "inspection.assignment_read",
                 payload={"key": assignment_id, "plan": view.plan.id, "case": view.draw.id})
    return view


def assignments_for_officer(session: Session, actor: Actor) -> list[AssignmentView]:
    """The actor's own assignments (as an officer) in draws in force, by planned date (audited)."""
    officer = officer_for(session, actor.username)
    if officer is None:
        return []
    rows = session.scalars(select(DrawAssignment).join(Draw, Draw.id == DrawAssignment.draw_id)
                           .where(Draw.status.in_(IN_FORCE), or_(DrawAssignment.officer1_id == officer.id,
                                                                 DrawAssignment.officer2_id == officer.id))
                           .order_by(DrawAssignment.planned_date, DrawAssignment.id))
    views = [_view(session, row) for row in rows]
    audit.record(session, actor, "inspection.assignments_read", payload={"records": len(views)})
    return views


def draw_list(session: Session, actor: Actor, draw_id: int, today: date) -> list[AssignmentView]:
    """The assignments of a draw the actor may read (all of them for the organiser; audited).

    :raises NotFound: no such draw in the actor's scope.
    """
    draw = session.get(Draw, draw_id)
    plan = session.get(InspectionPlan, draw.plan_id) if draw else None
    if draw is None or plan is None or not (manages(actor, plan.body_region_code) or officer_for(session, actor.username)):
        raise NotFound(f"抽取 {draw_id} 不存在 (no such draw)")
    rows = session.scalars(select(DrawAssignment).where(DrawAssignment.draw_id == draw.id)
                           .order_by(DrawAssignment.position))
    views = [view for view in (_view(session, row) for row in rows)
             if may_read(actor, view.plan, view.assignment, view.object, view.officers, today)]
    audit.record(session, actor, "inspection.draw_read", payload={"key": draw.id, "plan": plan.id,
                                                                 "records": len(views)})
    return views
