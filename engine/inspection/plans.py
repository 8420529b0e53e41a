"""Inspection plans: a body's plan for a period (quotas per class, items), or a special campaign with its own
target list; created by a reviewer of the body, who becomes its organiser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound
from engine.inspection import rules as draw_rules
from engine.inspection.access import managed_clause, manages, reviews
from engine.inspection.inputs import for_period, months_between
from engine.inspection.models import (
    CampaignTarget,
    InspectionItem,
    InspectionObject,
    InspectionPlan,
    PlanItem,
    PlanKind,
    PlanStatus,
)
from engine.inspection.scope import in_body
from engine.regions import RegionLevel, region_tree

REGULAR_CLASSES = ("special", "key", "general")


@dataclass(frozen=True)
class PlanInput:
    title: str
    kind: str
    body_region_code: str
    period_start: date
    period_end: date
    inspect_from: date
    inspect_to: date
    item_ids: tuple[int, ...]
    quotas: dict[str, Any] | None = None
    note: str = ""


def body_level(region_code: str) -> str:
    """city or county; :raises InvalidInput: the province or an unknown code."""
    region = region_tree().get(region_code)
    if region is None or region.level is RegionLevel.PROVINCE:
        raise InvalidInput("实施主体须为地市或区县 (the body must be a city or county)",
                           fields={"body_region_code": ["须为广东省地市或区县代码"]})
    # 东莞、中山 have no county level: their city bureau plans as a city
    return "city" if region.level is RegionLevel.CITY else "county"


def create(session: Session, actor: Actor, data: PlanInput) -> InspectionPlan:
    """A draft plan; the quotas default to the rules in force for the body's level.

    :raises NotAllowed: the actor is not a reviewer covering the body.
    :raises InvalidInput: naming the wrong field (dates, quotas, items, body).
    """
    level = body_level(data.body_region_code)
    if not reviews(actor, data.body_region_code):
        raise NotAllowed("只有实施主体辖区内的审核人员可以制定抽查计划 (only the body's reviewers plan)")
    _check_dates(data)
    rules = draw_rules.current(session)
    quotas = _checked_quotas(data.quotas if data.quotas is not None else _default_quotas(rules.rules, level, data),
                             data.kind)
    items = _checked_items(session, data.item_ids)
    plan = InspectionPlan(title=data.title.strip(), kind=data.kind, body_region_code=data.body_region_code,
                          body_level=level, period_start=data.period_start, period_end=data.period_end,
                          inspect_from=data.inspect_from, inspect_to=data.inspect_to, quotas=quotas,
                          rule_set_version=rules.version, organiser=actor.username, note=data.note)
    session.add(plan)
    session.flush()
    session.add_all(PlanItem(plan_id=plan.id, item_id=item.id) for item in items)
    session.flush()
    audit.record(session, actor, "inspection.plan_create", payload={
        "key": plan.id, "title": plan.title, "kind": plan.kind, "region_code": plan.body_region_code,
        "period": [plan.period_start.isoformat(), plan.period_end.isoformat()], "params": quotas,
        "rules_version": rules.version})
    return plan


def _check_dates(data: PlanInput) -> None:
    if data.kind not in set(PlanKind):
        raise InvalidInput("未知的计划类型 (unknown plan kind)", fields={"kind": ["须为 regular 或 campaign"]})
    if not data.title.strip():
        raise InvalidInput("请填写计划名称 (title required)", fields={"title": ["此项为必填项 (required)"]})
    if data.period_end < data.period_start:
        raise InvalidInput("计划期间有误 (period ends before it starts)", fields={"period_end": ["须不早于开始日期"]})
    if not data.period_start <= data.inspect_from <= data.inspect_to <= data.period_end:
        raise InvalidInput("检查时段须在计划期间内 (inspection window within the period)",
                           fields={"inspect_from": ["检查时段须在计划期间内，且开始不晚于结束"]})


def _default_quotas(rules: dict[str, Any], level: str, data: PlanInput) -> dict[str, Any]:
    if data.kind == PlanKind.CAMPAIGN:
        return {"campaign": {"ratio": rules["campaign_ratio"]}}
    months = months_between(data.period_start, data.period_end)
    return {cls: for_period(quota, months) for cls, quota in rules["quotas"][level].items()}


def _checked_quotas(quotas: Any, kind: str) -> dict[str, Any]:
    wanted = ("campaign",) if kind == PlanKind.CAMPAIGN else REGULAR_CLASSES
    if not isinstance(quotas, dict) or set(quotas) != set(wanted):
        raise InvalidInput("抽查数量设置有误 (quotas)", fields={"quotas": [f"须给出 {', '.join(wanted)}"]})
    checked: dict[str, Any] = {}
    for name in wanted:
        try:
            checked[name] = draw_rules.QuotaSchema().load(quotas[name])
        except ValidationError as exc:
            raise InvalidInput("抽查数量设置有误 (quotas)", fields={f"quotas.{name}": [str(exc.messages)]}) from None
    return checked


def _checked_items(session: Session, item_ids: tuple[int, ...]) -> list[InspectionItem]:
    if not item_ids:
        raise InvalidInput("请选择抽查事项 (choose items)", fields={"item_ids": ["至少选择一项抽查事项"]})
    items = list(session.scalars(select(InspectionItem).where(InspectionItem.id.in_(item_ids),
                                                              InspectionItem.active.is_(True))))
    missing = sorted(set(item_ids) - {item.id for item in items})
    if missing:
        raise InvalidInput("抽查事项不存在或已停用 (unknown items)", fields={"item_ids": [str(i) for i in missing]})
    return items


def visible(session: Session, actor: Actor) -> list[InspectionPlan]:
    """Plans whose body the actor manages (reviewers in scope, administrators), newest first."""
    return list(session.scalars(select(InspectionPlan).where(managed_clause(actor, InspectionPlan.body_region_code))
                                .order_by(InspectionPlan.period_start.desc(), InspectionPlan.id.desc())))


def get(session: Session, actor: Actor, plan_id: int) -> InspectionPlan:
    """:raises NotFound: no such plan in the actor's scope."""
    plan = session.get(InspectionPlan, plan_id)
    if plan is None or not manages(actor, plan.body_region_code):
        raise NotFound(f"抽查计划 {plan_id} 不存在 (no such plan)")
    return plan


def add_targets(session: Session, actor: Actor, plan_id: int, object_ids: list[int]) -> int:
    """Put directory objects on a draft campaign's target list; returns how many were new.

    :raises Conflict: not a campaign, or already drawn.
    :raises InvalidInput: objects unknown, inactive or outside the body's region.
    """
    plan = _own_draft(session, actor, plan_id)
    if plan.kind != PlanKind.CAMPAIGN:
        raise Conflict("只有专项行动计划有自定目标名单 (only campaigns have a target list)")
    objects = {o.id: o for o in session.scalars(select(InspectionObject).where(InspectionObject.id.in_(object_ids)))}
    wrong = [i for i in object_ids if i not in objects or not objects[i].active
             or not in_body(plan.body_level, plan.body_region_code, objects[i].region_code)]
    if wrong:
        raise InvalidInput("目标不在实施主体辖区的名录中 (objects outside the body)",
                           fields={"object_ids": [str(i) for i in wrong]})
    present = set(session.scalars(select(CampaignTarget.object_id).where(CampaignTarget.plan_id == plan.id)))
    new = [i for i in dict.fromkeys(object_ids) if i not in present]
    session.add_all(CampaignTarget(plan_id=plan.id, object_id=i, added_by=actor.username) for i in new)
    plan.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "inspection.campaign_targets", payload={"key": plan.id, "records": len(new)})
    return len(new)


def _own_draft(session: Session, actor: Actor, plan_id: int) -> InspectionPlan:
    plan = get(session, actor, plan_id)
    if plan.organiser != actor.username:
        raise NotAllowed("只有计划的组织者可以修改计划 (only the organiser)")
    if plan.status != PlanStatus.DRAFT:
        raise Conflict("计划已抽取，不能再修改 (the plan is drawn)")
    return plan
