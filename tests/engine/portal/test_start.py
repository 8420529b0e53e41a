"""办事 from the web: which starts are offered and why not, and a start reaching the process as the API's would."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.credit import ratings
from engine.errors import Conflict, InvalidInput
from engine.evidence.filestore import LocalFileStore
from engine.workflow.models import HumanTask, TaskStatus
from engine.evidence import library as evidence
from engine.instances import service as instances
from engine.portal import start as portal_start
from engine.instances.service import StartRequest
from tests.support.actors import ADMIN, COUNTY_TIANHE, ENT_BAIYUN, ENT_TIANHE
from tests.support.processes import library_file, now, propose_rating

pytestmark = pytest.mark.usefixtures("deployed")


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "evidence")


def publish(session: Session, level: int) -> None:
    rating = propose_rating(session, level, starts_at=now() - timedelta(days=16), notice_days=15)
    assert rating.notice_id is not None
    ratings.publish(session, ADMIN, rating.notice_id)


def test_repair_is_offered_only_to_yellow_or_red_with_the_reason(session: Session) -> None:
    assert "没有已公布的信用评价结果" in portal_start.option(session, ENT_TIANHE, "credit_repair").reason
    publish(session, 2)
    green = portal_start.option(session, ENT_TIANHE, "credit_repair")
    assert not green.available and "只有环保警示（黄牌）或环保不良（红牌）企业可以申请信用修复" in green.reason
    with pytest.raises(Conflict, match="黄牌"):
        portal_start.start(session, ENT_TIANHE, "credit_repair", {"rectification": ["x"]})


def test_repair_and_filing_start_with_their_first_form(session: Session, store: LocalFileStore) -> None:
    publish(session, 3)
    assert portal_start.option(session, ENT_TIANHE, "credit_repair").available
    file = str(library_file(session, store, ENT_TIANHE))
    with pytest.raises(InvalidInput) as empty:
        portal_start.start(session, ENT_TIANHE, "credit_repair", {"evidence": [file]})
    assert {"rectification", "completed_on"} <= set(empty.value.fields)
    repair = portal_start.start(session, ENT_TIANHE, "credit_repair", {
        "rectification": ["完成提标改造"], "completed_on": ["2026-11-01"], "evidence": [file]})
    assert repair.region_code == "440106" and repair.enterprise_code == ENT_TIANHE.enterprise_code
    filing = portal_start.start(session, ENT_TIANHE, "emergency_plan_filing", {
        "plan_name": ["应急预案"], "risk_level": ["general"], "compiled_on": ["2026-11-01"], "documents": [file]})
    assert filing.process_key == "emergency_plan_filing"
    assert not portal_start.option(session, ENT_TIANHE, "credit_repair").available  # one open application


def test_a_ticket_carries_the_reporters_evidence(session: Session, store: LocalFileStore) -> None:
    file = library_file(session, store, ENT_TIANHE)
    row = portal_start.start(session, ENT_TIANHE, "support_ticket", {
        "subsystem": ["数据采集传输"], "summary": ["断传"], "description": ["无小时数据"], "attachments": [str(file)]})
    triage = session.scalars(select(HumanTask).where(HumanTask.instance_id == row.id,
                                                     HumanTask.status == TaskStatus.READY)).one()
    assert [a.id for a in evidence.task_attachments(session, triage.id)] == [file]
    reviewer = portal_start.start(session, COUNTY_TIANHE, "support_ticket", {
        "subsystem": ["统计报表"], "summary": ["月报"], "description": ["缺列"]})
    assert (reviewer.region_code, reviewer.enterprise_code) == ("440106", None)


def test_a_ticket_refuses_evidence_from_someone_elses_library(session: Session, store: LocalFileStore) -> None:
    foreign = library_file(session, store, ENT_BAIYUN)
    with pytest.raises(InvalidInput) as refused:  # as the API would start it
        instances.start(session, ENT_TIANHE, StartRequest(
            "support_ticket", "440106", ENT_TIANHE.enterprise_code,
            data={"subsystem": "数据采集传输", "summary": "断传", "description": "x", "attachments": [foreign]}))
    assert "attachments" in refused.value.fields
