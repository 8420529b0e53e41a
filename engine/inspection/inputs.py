"""The frozen inputs of a draw: the plan's candidate objects with their classes, the body's officers, the
conflict pairs, the resolved quotas and the working days of the inspection window — one canonical document
(docs/inspection-draw.md lists its fields) whose sha256 is committed before the draw."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.holidays import current_calendar
from engine.errors import InvalidInput
from engine.inspection import rules as draw_rules
from engine.inspection.algorithm import ALGORITHM, CLASS_ORDER
from engine.inspection.models import (
    CampaignTarget,
    Draw,
    DrawAssignment,
    DrawStatus,
    InspectionObject,
    InspectionPlan,
    Officer,
    OfficerLink,
    OfficerStatus,
    PlanKind,
)
from engine.inspection.scope import body_clause

IN_FORCE = (DrawStatus.DRAWN, DrawStatus.REVEALED)


def resolve(quota: Mapping[str, Any], objects: int, officers: int, months: int) -> int:
    """The number of objects a quota asks for, never more than there are."""
    if "count" in quota:
        wanted = int(quota["count"])
    elif "ratio" in quota:
        wanted = math.ceil(quota["ratio"] * objects - 1e-9)
    else:
        wanted = math.ceil(quota["per_officer_per_year"] * officers * months / 12 - 1e-9)
    return min(wanted, objects)


def months_between(start: date, end: date) -> int:
    """Calendar months a period touches (a quarter: 3)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def months_of(plan: InspectionPlan) -> int:
    return months_between(plan.period_start, plan.period_end)


def for_period(rule_quota: Mapping[str, Any], months: int) -> dict[str, Any]:
    """A rule's quota for a period: the rules' ratios are per quarter (a half-year plan doubles them, up to 1)."""
    if "ratio" in rule_quota and rule_quota["ratio"] < 1:
        return {"ratio": min(1.0, round(rule_quota["ratio"] * months / 3, 6))}
    return dict(rule_quota)


def freeze(session: Session, plan: InspectionPlan) -> dict[str, Any]:
    """The inputs document of a draw of ``plan`` as of now.

    :raises InvalidInput: fewer officers than a unit needs, or a quota below the rules' minimum.
    """
    rules = draw_rules.of_version(session, plan.rule_set_version)
    needed = rules["officers_per_unit"]
    officers = list(session.scalars(select(Officer.id).where(Officer.region_code == plan.body_region_code,
                                                             Officer.status == OfficerStatus.ACTIVE)
                                    .order_by(Officer.id)))
    if len(officers) < needed:
        raise InvalidInput(f"实施主体在岗执法人员不足 {needed} 名 (too few active officers)",
                           fields={"officers": [f"{len(officers)} 名"]})
    objects = _candidates(session, plan)
    linked = _linked(session, objects, officers) if rules["conflicts"]["exclude_linked"] else []
    previous = _previous(session, plan, objects) if rules["conflicts"]["exclude_previous"] else []
    barred: dict[int, set[int]] = {}
    for object_id, officer_id in [*linked, *previous]:
        barred.setdefault(object_id, set()).add(officer_id)
    unassignable = {oid for oid, officer_ids in barred.items() if len(officers) - len(officer_ids) < needed}
    eligible = [[oid, cls] for oid, cls, _code in objects if oid not in unassignable]
    return {
        "algorithm": ALGORITHM,
        "plan": {"id": plan.id, "body": plan.body_region_code, "kind": plan.kind,
                 "period": [plan.period_start.isoformat(), plan.period_end.isoformat()]},
        "quotas": _quotas(plan, rules, eligible, len(officers)),
        "objects": eligible,
        "unassignable": sorted(unassignable),
        "officers": officers,
        "officers_per_unit": needed,
        "conflicts": {"linked": [list(p) for p in linked], "previous": [list(p) for p in previous]},
        "dates": working_days(session, plan.inspect_from, plan.inspect_to),
    }


def _candidates(session: Session, plan: InspectionPlan) -> list[tuple[int, str, str]]:
    """(id, class, enterprise code) of the objects the plan draws from, by id."""
    if plan.kind == PlanKind.CAMPAIGN:
        rows = session.execute(select(InspectionObject.id, InspectionObject.enterprise_code)
                               .join(CampaignTarget, CampaignTarget.object_id == InspectionObject.id)
                               .where(CampaignTarget.plan_id == plan.id, InspectionObject.active.is_(True))
                               .order_by(InspectionObject.id))
        return [(oid, "campaign", code) for oid, code in rows]
    rows3 = session.execute(select(InspectionObject.id, InspectionObject.object_class, InspectionObject.enterprise_code)
                            .where(InspectionObject.active.is_(True),
                                   body_clause(plan.body_level, plan.body_region_code, InspectionObject.region_code))
                            .order_by(InspectionObject.id))
    return [(oid, cls, code) for oid, cls, code in rows3]


def _linked(session: Session, objects: list[tuple[int, str, str]], officers: list[int]) -> list[tuple[int, int]]:
    by_code: dict[str, list[int]] = {}
    for oid, _cls, code in objects:
        by_code.setdefault(code, []).append(oid)
    links = session.execute(select(OfficerLink.enterprise_code, OfficerLink.officer_id)
                            .where(OfficerLink.officer_id.in_(officers)))
    return sorted((oid, officer) for code, officer in links for oid in by_code.get(code, ()))


def _previous(session: Session, plan: InspectionPlan, objects: list[tuple[int, str, str]]) -> list[tuple[int, int]]:
    """(object, officer) pairs of the body's previous draw in force: the same unit not twice in a row."""
    draw = session.scalars(select(Draw).join(InspectionPlan, InspectionPlan.id == Draw.plan_id)
                           .where(InspectionPlan.body_region_code == plan.body_region_code,
                                  InspectionPlan.id != plan.id, Draw.status.in_(IN_FORCE))
                           .order_by(Draw.drawn_at.desc(), Draw.id.desc()).limit(1)).first()
    if draw is None:
        return []
    wanted = {oid for oid, _cls, _code in objects}
    rows = session.execute(select(DrawAssignment.object_id, DrawAssignment.officer1_id, DrawAssignment.officer2_id)
                           .where(DrawAssignment.draw_id == draw.id))
    return sorted((oid, officer) for oid, o1, o2 in rows if oid in wanted for officer in (o1, o2))


def _quotas(plan: InspectionPlan, rules: dict[str, Any], objects: list[list[Any]], officers: int) -> dict[str, int]:
    """Counts per class from the plan's quotas, checked against the rules' minimum for regular plans.

    :raises InvalidInput: naming the class whose quota falls below the minimum.
    """
    months = months_of(plan)
    sizes = {cls: sum(1 for _oid, c in objects if c == cls) for cls in CLASS_ORDER}
    counts = {cls: resolve(plan.quotas[cls], sizes[cls], officers, months) for cls in plan.quotas}
    if plan.kind == PlanKind.REGULAR:
        for cls, count in counts.items():
            minimum = resolve(for_period(rules["quotas"][plan.body_level][cls], months), sizes[cls], officers, months)
            if count < minimum:
                raise InvalidInput("抽查数量低于规定下限 (quota below the rules' minimum)",
                                   fields={f"quotas.{cls}": [f"{count} < {minimum}"]})
    return counts


def working_days(session: Session, first: date, last: date) -> list[str]:
    calendar = current_calendar(session)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day.isoformat() for day in days if calendar.is_workday(day)]
