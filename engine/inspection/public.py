"""一公开: what the public page shows without log-in — plans that have a draw, every draw (superseded ones
included) with its commitment and inputs hash, and, once revealed, its seed, inputs and drawn list.

Officers appear by name and certificate number only. Before the reveal nothing of the drawn list is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.inspection.models import Draw, DrawAssignment, DrawStatus, InspectionObject, InspectionPlan, Officer
from engine.inspection.verify import Verification, stored_assignments, verify
from engine.regions import region_tree

PUBLIC_LIMIT = 200


@dataclass(frozen=True)
class PublicDraw:
    id: int
    plan_id: int
    plan_title: str
    plan_kind: str
    body_region_code: str
    period: tuple[date, date]
    sequence: int
    status: str
    algorithm: str
    seed_commitment: str
    inputs_hash: str
    result_hash: str | None
    redraw_of_id: int | None
    redraw_reason: str
    committed_at: datetime
    drawn_at: datetime | None
    revealed_at: datetime | None
    seed: str | None  # only once revealed


@dataclass(frozen=True)
class PublicAssignment:
    position: int
    unit: str
    enterprise_code: str
    region_code: str
    object_class: str
    planned_date: date
    officers: tuple[str, ...]  # "姓名（执法证号）"


def _public(draw: Draw, plan: InspectionPlan) -> PublicDraw:
    revealed = draw.status == DrawStatus.REVEALED
    return PublicDraw(draw.id, plan.id, plan.title, plan.kind, plan.body_region_code,
                      (plan.period_start, plan.period_end), draw.sequence, draw.status, draw.algorithm,
                      draw.seed_commitment, draw.inputs_hash, draw.result_hash, draw.redraw_of_id,
                      draw.redraw_reason, draw.committed_at, draw.drawn_at, draw.revealed_at,
                      draw.seed if revealed else None)


def draws(session: Session, text: str = "", region: str = "") -> list[PublicDraw]:
    """Every draw, newest first, filtered by plan title and by body region prefix."""
    statement = (select(Draw, InspectionPlan).join(InspectionPlan, InspectionPlan.id == Draw.plan_id)
                 .order_by(Draw.committed_at.desc(), Draw.id.desc()).limit(PUBLIC_LIMIT))
    if text:
        statement = statement.where(InspectionPlan.title.contains(text, autoescape=True))
    if region and region_tree().is_valid_guangdong_code(region):
        scope = region_tree().scope_prefix(region)
        column = InspectionPlan.body_region_code
        statement = statement.where(column == scope.value if scope.kind == "exact"
                                    else column.startswith(scope.value, autoescape=True))
    return [_public(draw, plan) for draw, plan in session.execute(statement)]


def draw(session: Session, draw_id: int) -> tuple[PublicDraw, list[PublicAssignment], Verification | None]:
    """One draw; its list and verification only once revealed.  :raises NotFound:"""
    row = session.get(Draw, draw_id)
    plan = session.get(InspectionPlan, row.plan_id) if row else None
    if row is None or plan is None:
        raise NotFound(f"抽取 {draw_id} 不存在 (no such draw)")
    if row.status != DrawStatus.REVEALED:
        return _public(row, plan), [], None
    return _public(row, plan), revealed_list(session, row.id), verify(session, row.id, public=True)


def revealed_list(session: Session, draw_id: int) -> list[PublicAssignment]:
    officers = {o.id: f"{o.name}（{o.certificate_number}）" for o in session.scalars(select(Officer))}
    rows = session.execute(select(DrawAssignment, InspectionObject)
                           .join(InspectionObject, InspectionObject.id == DrawAssignment.object_id)
                           .where(DrawAssignment.draw_id == draw_id).order_by(DrawAssignment.position))
    return [PublicAssignment(a.position, o.display_name, o.enterprise_code, o.region_code, a.object_class,
                             a.planned_date, (officers[a.officer1_id], officers[a.officer2_id])) for a, o in rows]


def published_document(session: Session, draw_id: int, what: str) -> object:
    """The revealed draw's inputs document or result rows, as published for independent checking.

    :raises NotFound: not revealed.
    """
    row = session.get(Draw, draw_id)
    if row is None or row.status != DrawStatus.REVEALED:
        raise NotFound(f"抽取 {draw_id} 不存在或尚未公开 (no such revealed draw)")
    if what == "inputs":
        return {"seed": row.seed, "seed_commitment": row.seed_commitment, "inputs_hash": row.inputs_hash,
                "inputs": row.inputs}
    return {"result_hash": row.result_hash, "result": [a.as_row() for a in stored_assignments(session, row.id)]}
