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
    PlanKind,
    PlanStatus,
)
from engine.inspection.scope import body_clause


@dataclass(frozen=True)
class PlanPage:
    plan: InspectionPlan
    items: list[InspectionItem]
    targets: list[InspectionObject]
    draws: list[Draw]
    current: Draw | None
    listed: list[AssignmentView]
    is_organiser: bool
    candidates: list[InspectionObject]  # directory objects to choose as campaign targets (draft campaigns)


CANDIDATES_SHOWN = 100


def plan_page(session: Session, actor: Actor, plan_id: int, today: date, target_query: str = "") -> PlanPage:
    """:raises NotFound: no such plan in the actor's scope.

    :param target_query: for a draft campaign, part of a name or a credit code to list directory objects of the
        body that are not yet targets.
    """
    plan = plans.get(session, actor, plan_id)
    history = list(session.scalars(select(Draw).where(Draw.plan_id == plan.id).order_by(Draw.sequence)))
    current = draws.current(session, plan.id)
    listed = (assignments.draw_list(session, actor, current.id, today)
              if current is not None and current.status != DrawStatus.COMMITTED else [])
    targets = list(session.scalars(select(InspectionObject)
                                   .join(CampaignTarget, CampaignTarget.object_id == InspectionObject.id)
                                   .where(CampaignTarget.plan_id == plan.id).order_by(InspectionObject.id)))
    is_organiser = actor.username == plan.organiser
    candidates = (_candidates(session, plan, {t.id for t in targets}, target_query)
                  if is_organiser and plan.kind == PlanKind.CAMPAIGN and plan.status == PlanStatus.DRAFT else [])
    return PlanPage(plan, assignments.plan_items(session, plan.id), targets, history, current, listed,
                    is_organiser, candidates)


def _candidates(session: Session, plan: InspectionPlan, taken: set[int], text: str) -> list[InspectionObject]:
    statement = (select(InspectionObject)
                 .where(InspectionObject.active.is_(True),
                        body_clause(plan.body_level, plan.body_region_code, InspectionObject.region_code))
                 .order_by(InspectionObject.id))
    if text:
        statement = statement.where(InspectionObject.enterprise_name.contains(text, autoescape=True)
                                    | InspectionObject.project_name.contains(text, autoescape=True)
                                    | (InspectionObject.enterprise_code == text))
    found = (o for o in session.scalars(statement) if o.id not in taken)
    return [o for _, o in zip(range(CANDIDATES_SHOWN), found)]
