"""信用修复 (credit_repair): a yellow or red enterprise that has rectified asks to move up one level.

Flow (``workflows/bpmn/credit_repair.bpmn``): the enterprise applies within
``repair_window_months`` of publication → district opinion → city review →
a public notice (``repair_notice_period``, a timer) → the rating rises one level.
Each step can refuse with reasons.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.credit import ratings
from engine.credit.models import (
    CreditLevel,
    CreditRating,
    CreditRepair,
    NoticeKind,
    RepairStatus,
)
from engine.db import utcnow
from engine.errors import Conflict, InvalidInput, NotFound
from engine.instances import service as instances
from engine.instances.casework import (
    last_completed,
    local_date,
    ready_step,
    require_own_enterprise,
    start_and_submit,
)
from engine.instances.service import StartRequest
from engine.workflow.hooks import ProcessHooks, StartContext, StepContext
from engine.workflow.models import InstanceStatus, ProcessInstance

PROCESS_KEY = "credit_repair"
HOOKS = ProcessHooks(PROCESS_KEY)
FORM_KEY = "credit_repair_apply"
REPAIRABLE = frozenset({CreditLevel.WARNING, CreditLevel.POOR})
DEFAULT_WINDOW_MONTHS = 6

HOOKS.starters(Role.ENTERPRISE)


def apply(session: Session, actor: Actor, region_code: str, data: dict[str, Any]) -> ProcessInstance:
    """Apply for a repair with the rectification and its evidence in one step.

    :raises NotAllowed: unless the actor is the enterprise.
    :raises Conflict: naming why the enterprise may not apply (level, window, an open application).
    :raises InvalidForm: naming the fields that are wrong.
    """
    request = StartRequest(process_key=PROCESS_KEY, region_code=region_code, enterprise_code=actor.enterprise_code,
                           subject="信用修复申请")
    return start_and_submit(session, actor, request, FORM_KEY, data)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@HOOKS.before_start
def _check_eligible(context: StartContext) -> dict[str, Any]:
    require_own_enterprise(context.actor, context.enterprise_code, "申请信用修复")
    assert context.enterprise_code is not None
    rating = ratings.latest_published(context.session, context.enterprise_code)
    if rating is None or rating.published_at is None:
        raise Conflict("本企业没有已公布的信用评价结果 (no published rating)")
    if rating.level not in REPAIRABLE:
        raise Conflict(f"只有环保警示（黄牌）或环保不良（红牌）企业可以申请信用修复；当前等级为"
                       f"{ratings.level_name(rating.level)} (only yellow or red ratings can be repaired)")
    months = int(context.config.get("repair_window_months", DEFAULT_WINDOW_MONTHS))
    deadline = add_months(rating.published_at, months)
    if utcnow() > deadline:
        raise Conflict(f"信用修复须在评价结果公布之日起 {months} 个月内申请，已于 {local_date(deadline)} 截止 "
                       f"(applications close {months} months after publication)")
    if rating.region_code != context.region_code:
        raise InvalidInput("region does not match the rating",
                           fields={"region_code": [f"评价结果属于 {rating.region_code}"]})
    _refuse_if_open(context.session, rating)
    return {"rating_id": rating.id, "rating_year": rating.year, "current_level": rating.level,
            "target_level": rating.level - 1, "enterprise_name": rating.enterprise_name, "kind": "repair"}


def _refuse_if_open(session: Session, rating: CreditRating) -> None:
    open_repair = session.scalar(
        select(CreditRepair.id).join(ProcessInstance, ProcessInstance.id == CreditRepair.instance_id)
        .where(CreditRepair.rating_id == rating.id, CreditRepair.status.in_([RepairStatus.OPEN, RepairStatus.NOTICED]),
               ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.SUSPENDED])))
    if open_repair is not None:
        raise Conflict("已有信用修复申请正在办理 (a repair application is already open)")


@HOOKS.after("start")
def _open(context: StepContext) -> None:
    data = context.data
    context.session.add(CreditRepair(
        rating_id=data["rating_id"], instance_id=context.instance.id,
        enterprise_code=context.instance.enterprise_code or "", status=RepairStatus.OPEN,
        from_level=data["current_level"], to_level=data["target_level"], applied_by=context.actor.username))
    context.session.flush()


@HOOKS.after("apply")
def _record_application(context: StepContext) -> None:
    repair = _of(context.session, context.instance.id)
    repair.rectification, repair.applied_at = str(context.data.get("rectification") or ""), utcnow()


@HOOKS.after("publish_notice")
def _start_notice(context: StepContext) -> None:
    """The city approved: the repair goes under public notice until the notice step's timer."""
    session, instance = context.session, context.instance
    repair = _of(session, instance.id)
    rating = session.get(CreditRating, repair.rating_id)
    assert rating is not None
    step = ready_step(session, instance.id, "notice")
    notice = ratings.publish_notice(
        session, context.actor, NoticeKind.REPAIR,
        f"{rating.enterprise_name or rating.enterprise_code} 信用修复公示：拟由{ratings.level_name(repair.from_level)}"
        f"调整为{ratings.level_name(repair.to_level)}", rating.region_code, instance.id,
        ends_at=step.due_at if step else None)
    repair.status, repair.notice_id = RepairStatus.NOTICED, notice.id


@HOOKS.after("end_repaired")
def _repair(context: StepContext) -> None:
    session, instance = context.session, context.instance
    repair = _of(session, instance.id)
    rating = session.get(CreditRating, repair.rating_id)
    assert rating is not None
    if rating.level != repair.from_level:
        raise Conflict(f"rating {rating.id} changed from level {repair.from_level} to {rating.level} meanwhile")
    ratings.change_level(session, context.actor, rating, repair.to_level, "repair", instance.id, "信用修复公示期满")
    repair.status, repair.decided_by, repair.decided_at = RepairStatus.REPAIRED, context.actor.username, utcnow()


@HOOKS.after("end_refused")
def _refuse(context: StepContext) -> None:
    session, instance = context.session, context.instance
    repair = _of(session, instance.id)
    refusing = last_completed(session, instance.id)
    repair.status, repair.decided_by, repair.decided_at = RepairStatus.REFUSED, context.actor.username, utcnow()
    repair.refused_at_step = refusing.spec_name if refusing else None
    repair.refusal_reason = (refusing.opinion if refusing else None) or str(context.data.get("opinion") or "")
    audit.record(session, context.actor, "credit.repair_refused", instance_id=instance.id,
                 payload={"repair": repair.id, "step": repair.refused_at_step, "reason": repair.refusal_reason})


def _of(session: Session, instance_id: int) -> CreditRepair:
    return session.scalars(select(CreditRepair).where(CreditRepair.instance_id == instance_id)).one()


def repair_of(session: Session, actor: Actor, instance_id: int) -> CreditRepair:
    """:raises NotFound: when the instance carries no repair or lies outside the actor's scope."""
    instances.get(session, actor, instance_id)
    repair = session.scalars(select(CreditRepair).where(CreditRepair.instance_id == instance_id)).first()
    if repair is None:
        raise NotFound(f"instance {instance_id} carries no credit repair")
    return repair
