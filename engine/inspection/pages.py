"""What the plan page shows, read in one call: the plan, its items and targets, every draw, and the part of
the current draw's list the reader may see (audited by :func:`assignments.draw_list`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.inspection import assignments, draws, plans
from engine.inspection.assignments import AssignmentView
from engine.inspection.models import (
    CampaignTarget,
    Draw,
    DrawStatus,
    InspectionItem,
    InspectionObject,
    InspectionPlan,
)


@dataclass(frozen=True)
class PlanPage:
    plan: InspectionPlan
    items: list[InspectionItem]
    targets: list[InspectionObject]
    draws: list[Draw]
    current: Draw | None
    listed: list[AssignmentView]
    is_organiser: bool


def plan_page(session: Session, actor: Actor, plan_id: int, today: date) -> PlanPage:
    """:raises NotFound: no such plan in the actor's scope."""
    plan = plans.get(session, actor, plan_id)
    history = list(session.scalars(select(Draw).where(Draw.plan_id == plan.id).order_by(Draw.sequence)))
    current = draws.current(session, plan.id)
    listed = (assignments.draw_list(session, actor, current.id, today)
              if current is not None and current.status != DrawStatus.COMMITTED else [])
    targets = list(session.scalars(select(InspectionObject)
                                   .join(CampaignTarget, CampaignTarget.object_id == InspectionObject.id)
                                   .where(CampaignTarget.plan_id == plan.id).order_by(InspectionObject.id)))
    return PlanPage(plan, assignments.plan_items(session, plan.id), targets, history, current, listed,
                    actor.username == plan.organiser)
