"""random_inspection: the officer pair records and confirms, the section head concludes, the result is published,
a correction is followed up; a closed unit, a referral, urging, escalation and the confidentiality of the unit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidForm, NotAllowed
from engine.inspection.onsite.models import CaseStatus, InspectionCase, InspectionReferral
from engine.inspection.onsite.process import case_of, local_date_today
from engine.instances.page import instance_page
from engine.tasks.worklist import todo_clause
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from tests.support.actors import CITY_GZ, COUNTY_BAIYUN, COUNTY_TIANHE, ENT_TIANHE, ENTERPRISE_TIANHE
from tests.support.inspection import OFFICER_A, OFFICER_B, Drawn, drawn_plan, start_inspection
from tests.support.processes import (
    COUNTY_TIANHE_B,
    actions,
    assert_refused,
    complete,
    later,
    ready,
    status,
    sweep,
    waiting_at,
)

pytestmark = pytest.mark.usefixtures("deployed")

RECORD = {"unit_status": "operating", "findings": "危废贮存间未设置标识", "problem_found": True}
IN_A_MONTH = (local_date_today() + timedelta(days=30)).isoformat()
REVIEW_CORRECT = {"conclusion": "correct", "correction_deadline": IN_A_MONTH, "follow_up_mode": "reinspect",
                  "opinion": "责令限期设置危废标识"}


def answered(session: Session, instance: ProcessInstance, result: str = "ok") -> None:
    """What the on-site page stores before completing the step: every checklist point answered."""
    case_of(session, instance.id).checklist = [
        {"item": "SJ-01", "item_name": "排污许可执行情况", "point": 0, "text": "持证排污", "result": result, "note": ""}]


def inspected(session: Session, drawn: Drawn) -> ProcessInstance:
    instance = start_inspection(session, drawn)
    answered(session, instance, "problem")
    complete(session, OFFICER_A, instance.id, "onsite_record", RECORD)
    complete(session, OFFICER_B, instance.id, "onsite_confirm", {"confirmation": "confirm"})
    return instance


def test_dispatch_pins_the_record_to_the_lead_officer_and_names_no_unit(session: Session) -> None:
    drawn = drawn_plan(session)
    instance = start_inspection(session, drawn)
    step = ready(session, instance.id, "onsite_record")
    assert step.assignee == OFFICER_A.username and step.enterprise_code is None
    assert instance.enterprise_code is None and "天河环保" not in instance.subject
    case = case_of(session, instance.id)
    assert (case.status, case.enterprise_code, case.object_class) == (CaseStatus.DISPATCHED, ENTERPRISE_TIANHE, "key")
    # a colleague of the same county does not get the pinned step in his worklist, nor may he work it
    todo = session.scalars(select(HumanTask.id).where(todo_clause(COUNTY_TIANHE_B))).all()
    assert step.id not in todo
    assert_refused(session, step, [COUNTY_TIANHE_B, OFFICER_B, ENT_TIANHE], RECORD)
    assert "inspection.dispatch" in actions(session, instance.id)


def test_only_the_organiser_dispatches_and_only_once(session: Session) -> None:
    drawn = drawn_plan(session)
    with pytest.raises(NotAllowed):
        from engine.instances import service as instances
        from engine.instances.service import StartRequest
        instances.start(session, COUNTY_TIANHE_B, StartRequest(
            "random_inspection", "440106", None, data={"assignment_id": drawn.assignment.id}))
    start_inspection(session, drawn)
    with pytest.raises(Conflict):
        start_inspection(session, drawn)


def test_an_operating_unit_needs_the_checklist(session: Session) -> None:
    instance = start_inspection(session, drawn_plan(session))
    with pytest.raises(InvalidForm) as refused:
        complete(session, OFFICER_A, instance.id, "onsite_record", RECORD)
    assert "unit_status" in refused.value.fields
    assert waiting_at(session, instance.id) == ["onsite_record"]


def test_the_second_officer_confirms_or_returns(session: Session) -> None:
    instance = start_inspection(session, drawn_plan(session))
    answered(session, instance)
    complete(session, OFFICER_A, instance.id, "onsite_record", RECORD)
    confirm = ready(session, instance.id, "onsite_confirm")
    assert confirm.assignee == OFFICER_B.username
    with pytest.raises(InvalidForm):
        complete(session, OFFICER_B, instance.id, "onsite_confirm", {"confirmation": "return"})
    complete(session, OFFICER_B, instance.id, "onsite_confirm", {"confirmation": "return", "note": "照片不清晰"})
    assert waiting_at(session, instance.id) == ["onsite_record"]
    assert instance.enterprise_code is None, "not confirmed: the unit stays unnamed"
    complete(session, OFFICER_A, instance.id, "onsite_record", RECORD)
    complete(session, OFFICER_B, instance.id, "onsite_confirm", {"confirmation": "confirm"})
    review = ready(session, instance.id, "section_review")
    assert review.enterprise_code == ENTERPRISE_TIANHE and review.assignee is None and review.role == "county_reviewer"
    case = case_of(session, instance.id)
    assert case.status == CaseStatus.INSPECTED and case.confirmed_by == OFFICER_B.username
    assert case.publish_due_at is not None and case.publish_due_at - case.confirmed_at > timedelta(days=20)


def test_correction_is_published_and_followed_up_by_reinspection(session: Session) -> None:
    instance = inspected(session, drawn_plan(session))
    assert_refused(session, ready(session, instance.id, "section_review"), [COUNTY_BAIYUN, ENT_TIANHE, CITY_GZ],
                   REVIEW_CORRECT)
    complete(session, COUNTY_TIANHE, instance.id, "section_review", REVIEW_CORRECT)
    case = case_of(session, instance.id)
    assert (case.conclusion, str(case.correction_deadline), case.status) == ("correct", IN_A_MONTH, "reviewed")
    complete(session, COUNTY_TIANHE, instance.id, "publish", {"public_summary": "危废贮存不规范，责令改正"})
    assert case.status == CaseStatus.FOLLOWING_UP and case.published_at <= case.publish_due_at
    follow = ready(session, instance.id, "follow_up")
    assert follow.assignee == OFFICER_A.username
    complete(session, OFFICER_A, instance.id, "follow_up", {"rectified": "rectified", "findings": "已设置标识"})
    assert (case.status, case.follow_up_result) == (CaseStatus.CLOSED, "rectified")
    assert status(session, instance) == "completed"
    assert {"inspection.inspected", "inspection.conclude", "inspection.publish", "inspection.follow_up"} <= set(
        actions(session, instance.id))


def test_correction_with_evidence_from_the_enterprise_through_the_portal(session: Session) -> None:
    instance = inspected(session, drawn_plan(session))
    complete(session, COUNTY_TIANHE, instance.id, "section_review",
             {**REVIEW_CORRECT, "follow_up_mode": "enterprise_evidence"})
    complete(session, COUNTY_TIANHE, instance.id, "publish", {"public_summary": "责令改正"})
    report = ready(session, instance.id, "rectify_report")
    assert (report.role, report.enterprise_code) == ("enterprise", ENTERPRISE_TIANHE)
    assert report.due_at is not None and report.due_at.date().isoformat() >= IN_A_MONTH[:8]
    with pytest.raises(InvalidForm):
        complete(session, ENT_TIANHE, instance.id, "rectify_report", {"measures": "已整改", "evidence": []})
    page = instance_page(session, ENT_TIANHE, instance.id)  # the enterprise follows its correction on the page
    officers = {t.id for t in page.tasks if t.spec_name in ("onsite_record", "onsite_confirm")}
    assert report.id in page.openable and officers and not officers & page.openable


def test_an_overdue_correction_report_goes_to_the_follow_up(session: Session) -> None:
    instance = inspected(session, drawn_plan(session))
    deadline = (session.scalar(select(InspectionCase.planned_date)) + timedelta(days=3)).isoformat()
    complete(session, COUNTY_TIANHE, instance.id, "section_review",
             {**REVIEW_CORRECT, "correction_deadline": deadline, "follow_up_mode": "enterprise_evidence"})
    complete(session, COUNTY_TIANHE, instance.id, "publish", {"public_summary": "责令改正"})
    with later(days=5):
        sweep(session)
    assert waiting_at(session, instance.id) == ["follow_up"]


def test_a_closed_unit_is_concluded_as_such(session: Session) -> None:
    instance = start_inspection(session, drawn_plan(session))
    complete(session, OFFICER_A, instance.id, "onsite_record", {"unit_status": "closed", "findings": "厂区已停产，大门上锁"})
    complete(session, OFFICER_B, instance.id, "onsite_confirm", {"confirmation": "confirm"})
    with pytest.raises(InvalidForm) as refused:
        complete(session, COUNTY_TIANHE, instance.id, "section_review", {"conclusion": "no_problem", "opinion": "无"})
    assert "conclusion" in refused.value.fields
    complete(session, COUNTY_TIANHE, instance.id, "section_review",
             {"conclusion": "not_inspectable", "opinion": "企业停产"})
    complete(session, COUNTY_TIANHE, instance.id, "publish", {"public_summary": "企业已停产"})
    case = case_of(session, instance.id)
    assert (case.unit_status, case.conclusion, case.status) == ("closed", "not_inspectable", CaseStatus.CLOSED)
    assert status(session, instance) == "completed"


def test_a_referral_gets_a_numbered_record(session: Session) -> None:
    instance = inspected(session, drawn_plan(session))
    with pytest.raises(InvalidForm) as refused:
        complete(session, COUNTY_TIANHE, instance.id, "section_review", {"conclusion": "refer", "opinion": "移送"})
    assert {"referred_to", "referral_reason"} <= set(refused.value.fields)
    complete(session, COUNTY_TIANHE, instance.id, "section_review", {
        "conclusion": "refer", "opinion": "涉嫌超标排放", "referred_to": "广州市生态环境局天河分局执法队",
        "referral_reason": "废气排放口颗粒物超标"})
    referral = session.scalars(select(InspectionReferral)).one()
    assert referral.number is not None and referral.number.startswith("YS440106-")
    assert "inspection.refer" in actions(session, instance.id)


def test_a_late_review_is_urged_then_escalated_to_the_city(session: Session) -> None:
    instance = inspected(session, drawn_plan(session))
    with later(days=30):
        sweep(session)
    assert waiting_at(session, instance.id) == ["city_review"]
    assert case_of(session, instance.id).escalated
    assert {"inspection.urge", "inspection.escalate"} <= set(actions(session, instance.id))
    complete(session, CITY_GZ, instance.id, "city_review", {"conclusion": "no_problem", "opinion": "未发现问题"})
    assert waiting_at(session, instance.id) == ["publish"]


def test_a_late_publication_is_urged_and_counted(session: Session) -> None:
    instance = inspected(session, drawn_plan(session))
    complete(session, COUNTY_TIANHE, instance.id, "section_review", {"conclusion": "no_problem", "opinion": "无"})
    with later(days=40):
        sweep(session)
        assert waiting_at(session, instance.id) == ["publish"]
        complete(session, COUNTY_TIANHE, instance.id, "publish", {"public_summary": "未发现问题"})
    case = case_of(session, instance.id)
    assert case.published_at > case.publish_due_at
    assert ("inspection.urge" in actions(session, instance.id)) and status(session, instance) == "completed"


def test_an_overdue_inspection_is_urged(session: Session) -> None:
    instance = start_inspection(session, drawn_plan(session))
    with later(days=2):
        sweep(session)
    notes = [e for e in actions(session, instance.id) if e == "inspection.urge"]
    assert notes and waiting_at(session, instance.id) == ["onsite_record"]
    assert session.get(HumanTask, ready(session, instance.id, "onsite_record").id).status == TaskStatus.READY


def test_a_city_plan_is_concluded_and_published_by_the_city(session: Session) -> None:
    instance = inspected(session, drawn_plan(session, city=True))
    review = ready(session, instance.id, "city_review")
    assert review.role == "city_reviewer" and waiting_at(session, instance.id) == ["city_review"]
    assert_refused(session, review, [COUNTY_TIANHE], {"conclusion": "no_problem", "opinion": "无"})
    complete(session, CITY_GZ, instance.id, "city_review", {"conclusion": "no_problem", "opinion": "未发现问题"})
    complete(session, CITY_GZ, instance.id, "city_publish", {"public_summary": "未发现问题"})
    case = case_of(session, instance.id)
    assert case.published_at is not None and not case.escalated and status(session, instance) == "completed"
