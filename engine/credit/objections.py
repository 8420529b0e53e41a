"""信用评价异议 (credit_objection): an enterprise objects to its proposed rating during the public notice.

Flow (``workflows/bpmn/credit_objection.bpmn``): the enterprise submits reasons and
evidence → the assessing level (county or city) verifies → the province
countersigns (every reviewer of ``province_reviewers``) or, for ratings the city
owns, the city decides → keep or correct; a correction moves the rating with a
history entry; either result is published as a notice.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.credit import ratings
from engine.credit.models import (
    CreditObjection,
    CreditRating,
    NoticeKind,
    ObjectionStatus,
    PublicNotice,
)
from engine.db import utcnow
from engine.errors import Conflict, InvalidInput, NotFound
from engine.instances import service as instances
from engine.instances.casework import (
    local_date,
    require_own_enterprise,
    start_and_submit,
)
from engine.instances.service import StartRequest
from engine.workflow.hooks import ProcessHooks, StartContext, StepContext
from engine.workflow.models import InstanceStatus, ProcessInstance

log = logging.getLogger(__name__)

PROCESS_KEY = "credit_objection"
HOOKS = ProcessHooks(PROCESS_KEY)
FORM_KEY = "credit_objection"

HOOKS.starters(Role.ENTERPRISE)


def file(session: Session, actor: Actor, region_code: str, data: dict[str, Any]) -> ProcessInstance:
    """File an objection with its reasons and evidence in one step (start and first task).

    :raises NotAllowed: unless the actor is the rated enterprise.
    :raises Conflict: no rating under notice, the notice period is over, or an objection is already open.
    :raises InvalidForm: naming the fields that are wrong.
    """
    request = StartRequest(process_key=PROCESS_KEY, region_code=region_code, enterprise_code=actor.enterprise_code,
                           subject="信用评价异议")
    return start_and_submit(session, actor, request, FORM_KEY, data)


@HOOKS.before_start
def _accept_only_during_notice(context: StartContext) -> dict[str, Any]:
    """Refuse late objections with a clear message; put the rating's facts into the start data."""
    require_own_enterprise(context.actor, context.enterprise_code, "对本企业的评价结果提出异议")
    assert context.enterprise_code is not None
    rating, notice = _rating_open_for_objection(context.session, context.enterprise_code)
    if rating.region_code != context.region_code:
        raise InvalidInput("region does not match the rating",
                           fields={"region_code": [f"评价结果属于 {rating.region_code}"]})
    return {
        "rating_id": rating.id, "rating_year": rating.year, "proposed_level": rating.level,
        "assessing_level": rating.assessing_level, "deciding_level": rating.deciding_level,
        "notice_id": notice.id, "notice_ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "enterprise_name": rating.enterprise_name, "kind": "objection",
    }


def _rating_open_for_objection(session: Session, enterprise_code: str) -> tuple[CreditRating, PublicNotice]:
    found = ratings.rating_under_notice(session, enterprise_code)
    if found is None:
        raise Conflict("本企业没有处于公示期的拟评价结果，无法提出异议 (no proposed rating under public notice)")
    rating, notice = found
    check_in_notice_period(notice)
    open_objection = session.scalar(
        select(CreditObjection.id).join(ProcessInstance, ProcessInstance.id == CreditObjection.instance_id)
        .where(CreditObjection.rating_id == rating.id, CreditObjection.status == ObjectionStatus.OPEN,
               ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.SUSPENDED])))
    if open_objection is not None:
        raise Conflict("该评价结果的异议正在办理中，请勿重复提出 (an objection to this rating is already open)")
    return rating, notice


def check_in_notice_period(notice: PublicNotice | None) -> None:
    """:raises Conflict: before the notice starts or after it ended, naming the period."""
    if notice is None:
        return
    now = utcnow()
    if notice.ends_at is not None and now > notice.ends_at:
        raise Conflict(
            f"异议期已结束：拟评价结果公示期为 {local_date(notice.starts_at)} 至 {local_date(notice.ends_at)}，"
            f"逾期提出的异议不予受理 (the notice period ended on {local_date(notice.ends_at)}; "
            "late objections are not accepted)")
    if now < notice.starts_at:
        raise Conflict(f"公示自 {local_date(notice.starts_at)} 开始，届时方可提出异议 (the notice has not started)")


@HOOKS.after("start")
def _open(context: StepContext) -> None:
    objection = CreditObjection(rating_id=context.data["rating_id"], instance_id=context.instance.id,
                                enterprise_code=context.instance.enterprise_code or "",
                                status=ObjectionStatus.OPEN, filed_by=context.actor.username)
    context.session.add(objection)
    context.session.flush()


@HOOKS.after("submit")
def _record_submission(context: StepContext) -> None:
    """The reasons and requested level; a submission after the notice ended is refused like a late objection."""
    objection = _of(context.session, context.instance.id)
    rating = context.session.get(CreditRating, objection.rating_id)
    assert rating is not None
    if rating.notice_id is not None:
        check_in_notice_period(context.session.get(PublicNotice, rating.notice_id))
    objection.reasons = str(context.data.get("reasons") or "")
    requested = context.data.get("requested_level")
    objection.requested_level = int(requested) if requested else None
    objection.filed_at = utcnow()


@HOOKS.after("end_lapsed")
def _lapse(context: StepContext) -> None:
    objection = _of(context.session, context.instance.id)
    objection.status, objection.decided_at = ObjectionStatus.LAPSED, utcnow()
    audit.record(context.session, context.actor, "credit.objection_lapsed", instance_id=context.instance.id,
                 payload={"objection": objection.id})


@HOOKS.after("end_kept", "end_corrected")
def _decide(context: StepContext) -> None:
    """Keep or correct the rating, then publish the result."""
    session, instance = context.session, context.instance
    objection = _of(session, instance.id)
    rating = session.get(CreditRating, objection.rating_id)
    assert rating is not None
    level = _corrected_level(context.data) if context.element_id == "end_corrected" else None
    if level is not None and level != rating.level:
        ratings.change_level(session, context.actor, rating, level, "objection", instance.id,
                             f"异议更正：{context.data.get('opinion') or ''}")
        objection.status = ObjectionStatus.CORRECTED
    else:
        objection.status = ObjectionStatus.KEPT
    objection.result_level, objection.result_note = rating.level, str(context.data.get("opinion") or "")
    objection.decided_by, objection.decided_at = context.actor.username, utcnow()
    verdict = "更正为" if objection.status == ObjectionStatus.CORRECTED else "维持"
    notice = ratings.publish_notice(
        session, context.actor, NoticeKind.OBJECTION_RESULT,
        f"{rating.enterprise_name or rating.enterprise_code} {rating.year} 年度信用评价异议处理结果：{verdict}"
        f"{ratings.level_name(rating.level)}", rating.region_code, instance.id)
    objection.notice_id = notice.id
    audit.record(session, context.actor, "credit.objection_decided", instance_id=instance.id,
                 payload={"objection": objection.id, "result": objection.status, "level": rating.level})


def _corrected_level(data: Any) -> int | None:
    value = data.get("corrected_level")
    try:
        level = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return level if level in ratings.LEVEL_NAMES else None


def _of(session: Session, instance_id: int) -> CreditObjection:
    objection = session.scalars(select(CreditObjection).where(CreditObjection.instance_id == instance_id)).one()
    return objection


def objection_of(session: Session, actor: Actor, instance_id: int) -> CreditObjection:
    """The objection an instance carries.

    :raises NotFound: when there is none or the actor may not see the instance.
    """
    instances.get(session, actor, instance_id)
    objection = session.scalars(select(CreditObjection).where(CreditObjection.instance_id == instance_id)).first()
    if objection is None:
        raise NotFound(f"instance {instance_id} carries no objection")
    return objection
