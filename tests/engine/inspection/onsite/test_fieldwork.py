"""The officers' side: dispatch of a plan, my inspections, the on-site sheet with photos, confidentiality."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.errors import Conflict, InvalidForm, NotAllowed, NotFound
from engine.evidence.filestore import LocalFileStore
from engine.evidence.library import task_attachments
from engine.inspection.onsite import dispatch, fieldwork
from engine.inspection.onsite.models import CaseStatus
from engine.inspection.onsite.process import local_date_today
from engine.workflow.models import HumanTask, ProcessInstance
from tests.engine.evidence.test_filestore import png
from tests.support.actors import COUNTY_BAIYUN, COUNTY_TIANHE, ENT_TIANHE
from tests.support.inspection import OFFICER_A, OFFICER_B, ORGANISER, drawn_plan
from tests.support.processes import COUNTY_TIANHE_B, waiting_at

pytestmark = pytest.mark.usefixtures("deployed")

ALL_OK = [{"item": "SJ-01", "point": 0, "result": "ok"}, {"item": "SJ-01", "point": 1, "result": "problem",
                                                          "note": "超许可排放量"},
          {"item": "SJ-04", "point": 0, "result": "ok"}]


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "evidence")


def test_the_organiser_dispatches_a_plan_once(session: Session) -> None:
    drawn = drawn_plan(session, planned=local_date_today() + timedelta(days=5))
    with pytest.raises(NotAllowed):
        dispatch.dispatch_plan(session, COUNTY_TIANHE_B, drawn.plan.id)
    started = dispatch.dispatch_plan(session, ORGANISER, drawn.plan.id)
    assert [c.assignment_id for c in started] == [drawn.assignment.id]
    assert dispatch.dispatch_plan(session, ORGANISER, drawn.plan.id) == []
    instance = session.get(ProcessInstance, started[0].instance_id)
    assert instance is not None and instance.enterprise_code is None and "天河环保" not in instance.subject


def test_dispatch_needs_a_draw_in_force(session: Session) -> None:
    drawn = drawn_plan(session)
    drawn.draw.status = "superseded"
    with pytest.raises(Conflict):
        dispatch.dispatch_plan(session, ORGANISER, drawn.plan.id)


def test_my_inspections_show_the_unit_and_the_checklist_only_to_the_pair(session: Session) -> None:
    drawn = drawn_plan(session, planned=local_date_today() + timedelta(days=5))
    case = dispatch.dispatch_plan(session, ORGANISER, drawn.plan.id)[0]
    mine = fieldwork.my_inspections(session, OFFICER_A)
    assert [c.case.id for c in mine] == [case.id] and mine[0].open_step is not None
    assert mine[0].view.object.enterprise_name.startswith("广州天河环保热电")
    assert [c.open_step for c in fieldwork.my_inspections(session, OFFICER_B)] == [None]
    points = fieldwork.checklist_points(mine[0].view.items)
    assert [(p["item"], p["point"]) for p in points] == [("SJ-01", 0), ("SJ-01", 1), ("SJ-04", 0)]
    # before the planned date: neither the enterprise, nor a colleague, nor another county reads it
    for outsider in (ENT_TIANHE, COUNTY_TIANHE_B, COUNTY_BAIYUN):
        with pytest.raises(NotFound):
            fieldwork.case_view(session, outsider, case.id)
    assert fieldwork.my_inspections(session, COUNTY_TIANHE_B) == []
    reads = session.scalars(select(AuditEvent.actor).where(AuditEvent.action.like("inspection.assignment%_read"))).all()
    assert {OFFICER_A.username, OFFICER_B.username} <= set(reads), "every read of the drawn list is audited"


def test_the_lead_officer_records_with_photos_and_the_pair_confirms(session: Session, store: LocalFileStore) -> None:
    drawn = drawn_plan(session)
    case = dispatch.dispatch_plan(session, ORGANISER, drawn.plan.id)[0]
    with pytest.raises(NotFound):
        fieldwork.record_onsite(session, store, OFFICER_B, case.id, {"unit_status": "operating", "findings": "x"})
    with pytest.raises(InvalidForm) as unanswered:
        fieldwork.record_onsite(session, store, OFFICER_A, case.id,
                                {"unit_status": "operating", "findings": "x", "checklist": ALL_OK[:1]})
    assert set(unanswered.value.fields) == {"c-SJ-01-1", "c-SJ-04-0"}
    with pytest.raises(InvalidForm) as foreign:
        fieldwork.record_onsite(session, store, OFFICER_A, case.id, {
            "unit_status": "operating", "findings": "x", "checklist": [*ALL_OK, {"item": "XX", "point": 0,
                                                                                 "result": "ok"}]})
    assert "checklist" in foreign.value.fields
    fieldwork.record_onsite(session, store, OFFICER_A, case.id,
                            {"unit_status": "operating", "findings": "超许可排放量", "checklist": ALL_OK},
                            [(io.BytesIO(png()), "现场.png")])
    assert case.status == CaseStatus.RECORDED and case.problem_found is True
    assert [e["result"] for e in case.checklist] == ["ok", "problem", "ok"] and len(case.photos) == 1
    assert case.findings == "超许可排放量\n检查清单：2 项符合，1 项存在问题：按证载要求排放（超许可排放量）"
    record_step = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.instance_id,
                                                          HumanTask.spec_name == "onsite_record")).one()
    assert [a.id for a in task_attachments(session, record_step.id)] == case.photos
    confirm = fieldwork.my_inspections(session, OFFICER_B)[0].open_step
    assert confirm is not None and confirm.spec_name == "onsite_confirm"
    assert waiting_at(session, case.instance_id) == ["onsite_confirm"]


def test_a_closed_unit_needs_no_checklist(session: Session, store: LocalFileStore) -> None:
    case = dispatch.dispatch_plan(session, ORGANISER, drawn_plan(session).plan.id)[0]
    fieldwork.record_onsite(session, store, OFFICER_A, case.id, {"unit_status": "absent", "findings": "查无此单位"})
    assert case.unit_status == "absent" and {e["result"] for e in case.checklist} == {"na"}


def test_the_organiser_and_the_section_head_read_after_the_planned_date(session: Session) -> None:
    case = dispatch.dispatch_plan(session, ORGANISER, drawn_plan(session).plan.id)[0]
    assert fieldwork.case_view(session, COUNTY_TIANHE, case.id).case.id == case.id
    assert fieldwork.case_view(session, COUNTY_TIANHE_B, case.id).open_step is None
