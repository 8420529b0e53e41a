"""双随机抽查 (random_inspection): how each step of an inspection changes its :class:`InspectionCase`.

One instance per draw assignment (:mod:`engine.inspection.onsite.dispatch`). The start data names only the
assignment, the two officers' accounts and the planned date: the unit stays out of the instance, its subject
and its task index until both officers have confirmed the on-site record, because the drawn list is
confidential until the inspection. From then on the instance carries the enterprise (its correction report
comes through the portal) and the unit's name.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import Conflict, InvalidForm, InvalidInput, NotAllowed, NotFound
from engine.inspection.models import Draw, DrawAssignment, InspectionObject, InspectionPlan, Officer
from engine.inspection.onsite.models import (
    CaseStatus,
    Conclusion,
    InspectionCase,
    InspectionReferral,
    UnitStatus,
)
from engine.instances.casework import SHANGHAI, assign_number, local_year, next_sequence
from engine.workflow.deadlines import as_datetime
from engine.workflow.hooks import ProcessHooks, StartContext, StepContext

log = logging.getLogger(__name__)

PROCESS_KEY = "random_inspection"
HOOKS = ProcessHooks(PROCESS_KEY)
REVIEW_STEPS = ("section_review", "city_review")  # a county plan's section head; a city plan's (or escalated)
PUBLISH_STEPS = ("publish", "city_publish")
MAX_CORRECTION_PERIOD = timedelta(days=365)  # 责令改正 deadlines run in months; a year bounds typos (2099)


@HOOKS.before_start
def _dispatch(context: StartContext) -> dict[str, Any]:
    """Only the plan's organiser (or an administrator) dispatches; each assignment once."""
    assignment_id = context.data.get("assignment_id")
    assignment = context.session.get(DrawAssignment, assignment_id) if isinstance(assignment_id, int) else None
    if assignment is None:
        raise InvalidInput("抽查任务不存在 (unknown assignment)", fields={"assignment_id": ["无此抽查任务"]})
    plan = plan_of(context.session, assignment)
    if not (context.actor.is_admin or context.actor.username == plan.organiser):
        raise NotAllowed("只有抽查计划的组织者可以派发检查任务 (only the plan's organiser dispatches)")
    if context.session.scalar(select(InspectionCase.id).where(InspectionCase.assignment_id == assignment.id)):
        raise Conflict(f"抽查任务 {assignment.id} 已派发 (already dispatched)")
    lead, second = officers_of(context.session, assignment)
    if not lead.username or not second.username:
        raise Conflict("执法人员尚未关联登录账号，无法派发 (an officer has no login account)")
    return {"assignment_id": assignment.id, "lead_officer": lead.username, "second_officer": second.username,
            "planned_date": assignment.planned_date.isoformat(), "kind": assignment.object_class,
            "body_level": plan.body_level}


@HOOKS.after("start")
def _open_case(context: StepContext) -> None:
    session = context.session
    assignment = session.get(DrawAssignment, context.data["assignment_id"])
    assert assignment is not None
    plan, unit = plan_of(session, assignment), session.get(InspectionObject, assignment.object_id)
    assert unit is not None
    session.add(InspectionCase(
        assignment_id=assignment.id, instance_id=context.instance.id, plan_id=plan.id, object_id=unit.id,
        enterprise_code=unit.enterprise_code, unit_name=unit.display_name, region_code=unit.region_code,
        body_region_code=plan.body_region_code, object_class=assignment.object_class,
        campaign=plan.kind == "campaign", planned_date=assignment.planned_date,
        lead_officer_id=assignment.officer1_id, second_officer_id=assignment.officer2_id,
        status=CaseStatus.DISPATCHED, checklist=[], photos=[]))
    session.flush()
    audit.record(session, context.actor, "inspection.dispatch", instance_id=context.instance.id,
                 payload={"assignment": assignment.id, "plan": plan.id})


@HOOKS.after("onsite_record")
def _record(context: StepContext) -> None:
    """The lead officer's record: an operating unit needs the whole checklist answered (the on-site page does)."""
    data, case = context.data, case_of(context.session, context.instance.id)
    unit_status = str(data.get("unit_status"))
    if unit_status == UnitStatus.OPERATING and not case.checklist:
        raise InvalidForm("请在现场检查页逐项填写检查清单 (the checklist is not filled in)",
                          fields={"unit_status": ["正常生产的单位须逐项填写检查清单"]})
    case.unit_status, case.findings = unit_status, str(data.get("findings") or "")
    case.problem_found = bool(data.get("problem_found")) or any(
        entry.get("result") == "problem" for entry in case.checklist)
    case.photos = [int(i) for i in data.get("photos") or []]
    case.inspected_by, case.inspected_at, case.status = context.actor.username, utcnow(), CaseStatus.RECORDED


@HOOKS.after("onsite_confirm")
def _confirm(context: StepContext) -> None:
    case = case_of(context.session, context.instance.id)
    if context.data.get("confirmation") != "confirm":
        case.status = CaseStatus.DISPATCHED
        return
    case.confirmed_by, case.confirmed_at, case.status = context.actor.username, utcnow(), CaseStatus.INSPECTED
    instance = context.instance  # the inspection took place: the unit may now be named on the case
    instance.enterprise_code, instance.subject = case.enterprise_code, f"双随机检查：{case.unit_name}"[:300]
    audit.record(context.session, context.actor, "inspection.inspected", instance_id=instance.id,
                 payload={"case": case.id, "unit_status": case.unit_status, "problem_found": case.problem_found})


@HOOKS.after("mark_inspected")
def _publication_deadline(context: StepContext) -> None:
    case_of(context.session, context.instance.id).publish_due_at = as_datetime(str(context.data["publish_due"]))


@HOOKS.after(*REVIEW_STEPS)
def _conclude(context: StepContext) -> None:
    data, case = context.data, case_of(context.session, context.instance.id)
    conclusion = str(data.get("conclusion"))
    _check_conclusion(case, conclusion)
    case.conclusion, case.review_opinion = conclusion, str(data.get("opinion") or "")
    case.correction_deadline = _correction_deadline(data) if conclusion == Conclusion.CORRECT else None
    case.follow_up_mode = str(data.get("follow_up_mode")) if conclusion == Conclusion.CORRECT else None
    case.reviewed_by, case.reviewed_at, case.status = context.actor.username, utcnow(), CaseStatus.REVIEWED
    if conclusion == Conclusion.REFER:
        _refer(context, case)
    audit.record(context.session, context.actor, "inspection.conclude", instance_id=context.instance.id,
                 payload={"case": case.id, "conclusion": conclusion})


def _check_conclusion(case: InspectionCase, conclusion: str) -> None:
    """A unit found closed or absent is concluded as such, and only such a unit."""
    inspectable = case.unit_status == UnitStatus.OPERATING
    if inspectable == (conclusion == Conclusion.NOT_INSPECTABLE):
        message = ("正常生产的单位不能以“停产/关闭/查无此单位”办结" if inspectable
                   else "现场记录为停产、关闭或查无此单位，结论只能是“停产/关闭/查无此单位”")
        raise InvalidForm(message, fields={"conclusion": [message]})


def _correction_deadline(data: Any) -> date | None:
    deadline = _date(data.get("correction_deadline"))
    today = local_date_today()
    if deadline is not None and not today <= deadline <= today + MAX_CORRECTION_PERIOD:
        message = f"整改期限须在今天至 {MAX_CORRECTION_PERIOD.days} 天内"
        raise InvalidForm(message, fields={"correction_deadline": [message]})
    return deadline


def _refer(context: StepContext, case: InspectionCase) -> None:
    session, data = context.session, context.data
    referral = InspectionReferral(case_id=case.id, referred_to=str(data.get("referred_to") or ""),
                                  reason=str(data.get("referral_reason") or ""), referred_by=context.actor.username)
    session.add(referral)
    prefix = f"YS{case.region_code}-{local_year()}-"
    number = assign_number(session, referral, "number",
                           lambda: f"{prefix}{next_sequence(session, InspectionReferral.number, prefix):04d}")
    audit.record(session, context.actor, "inspection.refer", instance_id=context.instance.id,
                 payload={"case": case.id, "referral": number, "referred_to": referral.referred_to})


@HOOKS.after("mark_escalated")
def _escalated(context: StepContext) -> None:
    case = case_of(context.session, context.instance.id)
    case.escalated = True
    audit.record(context.session, context.actor, "inspection.escalate", instance_id=context.instance.id,
                 payload={"case": case.id, "to": "city_reviewer"})
    log.info("inspection case %s (instance %s) escalated to the city", case.id, context.instance.id)


@HOOKS.after("mark_onsite_urged", "mark_review_urged", "mark_publish_overdue", "mark_city_publish_overdue")
def _urged(context: StepContext) -> None:
    audit.record(context.session, context.actor, "inspection.urge", instance_id=context.instance.id,
                 payload={"case": case_of(context.session, context.instance.id).id, "step": context.element_id})


@HOOKS.after(*PUBLISH_STEPS)
def _publish(context: StepContext) -> None:
    case = case_of(context.session, context.instance.id)
    case.public_summary, case.published_by = str(context.data.get("public_summary") or ""), context.actor.username
    case.published_at = utcnow()
    case.status = CaseStatus.FOLLOWING_UP if case.conclusion == Conclusion.CORRECT else CaseStatus.CLOSED
    audit.record(context.session, context.actor, "inspection.publish", instance_id=context.instance.id,
                 payload={"case": case.id, "in_time": case.publish_due_at is None
                          or case.published_at <= case.publish_due_at})


@HOOKS.after("rectify_report")
def _rectification(context: StepContext) -> None:
    case_of(context.session, context.instance.id).rectification = str(context.data.get("measures") or "")


@HOOKS.after("follow_up")
def _follow_up(context: StepContext) -> None:
    case = case_of(context.session, context.instance.id)
    case.follow_up_result, case.follow_up_findings = str(context.data.get("rectified")), str(
        context.data.get("findings") or "")
    case.followed_up_at = utcnow()
    audit.record(context.session, context.actor, "inspection.follow_up", instance_id=context.instance.id,
                 payload={"case": case.id, "result": case.follow_up_result})


@HOOKS.after("end_closed", "end_followed_up")
def _close(context: StepContext) -> None:
    case = case_of(context.session, context.instance.id)
    case.status, case.closed_at = CaseStatus.CLOSED, utcnow()


def case_of(session: Session, instance_id: int) -> InspectionCase:
    return session.scalars(select(InspectionCase).where(InspectionCase.instance_id == instance_id)).one()


def plan_of(session: Session, assignment: DrawAssignment) -> InspectionPlan:
    draw = session.get(Draw, assignment.draw_id)
    plan = session.get(InspectionPlan, draw.plan_id) if draw is not None else None
    if plan is None:
        raise NotFound(f"assignment {assignment.id} belongs to no plan")
    return plan


def officers_of(session: Session, assignment: DrawAssignment) -> tuple[Officer, Officer]:
    lead, second = session.get(Officer, assignment.officer1_id), session.get(Officer, assignment.officer2_id)
    assert lead is not None and second is not None
    return lead, second


def local_date_today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def _date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(str(value)) if value else None
