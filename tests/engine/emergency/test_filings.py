"""应急预案备案 (emergency_plan_filing): filing numbers, the return loop to its limit, the check timer, operations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.emergency import filings
from engine.emergency.models import EmergencyPlanFiling
from engine.errors import InstanceNotFound, InvalidForm, NotAllowed
from engine.evidence.filestore import LocalFileStore
from engine.instances import service as instances
from engine.instances.casework import local_year
from engine.instances.service import StartRequest
from engine.tasks import actions as tasks
from engine.tasks import operations
from engine.workflow.models import ProcessInstance, TaskStatus
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
    ENTERPRISE_TIANHE,
)
from tests.support.processes import (
    COUNTY_TIANHE_B,
    OUTSIDERS,
    actions,
    assert_refused,
    at,
    complete,
    create_people,
    history,
    library_file,
    ready,
    step_row,
    sweep,
    waiting_at,
    workday_deadline,
)

pytestmark = pytest.mark.usefixtures("deployed")

ACCEPT = {"decision": "accept", "opinion": "材料齐全"}
RETURN = {"decision": "return", "missing_items": "缺少环境风险评估报告"}


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "evidence")


def plan(session: Session, store: LocalFileStore, actor: Any = ENT_TIANHE, **changes: Any) -> dict[str, Any]:
    data = {"plan_name": "突发环境事件应急预案（2026 版）", "risk_level": "general", "compiled_on": "2026-09-01",
            "documents": [library_file(session, store, actor)]}
    data.update(changes)
    return data


def filing(session: Session, instance: ProcessInstance) -> EmergencyPlanFiling:
    return session.scalars(select(EmergencyPlanFiling).where(EmergencyPlanFiling.instance_id == instance.id)).one()


def test_complete_plans_get_consecutive_filing_numbers(session: Session, store: LocalFileStore) -> None:
    first = filings.submit(session, ENT_TIANHE, "440106", plan(session, store))
    check = ready(session, first.id, "county_check")
    assert (check.role, check.region_code, check.kind) == ("county_reviewer", "440106", "emergency_plan")
    recorded = filing(session, first)
    assert (recorded.status, recorded.risk_level, recorded.plan_name) == ("submitted", "general", "突发环境事件应急预案（2026 版）")
    assert_refused(session, check, OUTSIDERS["county_reviewer"] + [CITY_GZ], ACCEPT)
    complete(session, COUNTY_TIANHE, first.id, "county_check", ACCEPT)
    assert first.status == "completed"
    year = local_year()
    assert (filing(session, first).filing_number, filing(session, first).status) == (f"440106-{year}-001-L", "filed")
    assert actions(session, first.id) == ["instance.start", "task.complete", "task.complete", "emergency.filed"]

    second = filings.submit(session, ENT_TIANHE, "440106",
                            plan(session, store, plan_name="二号预案", risk_level="major", cross_region=True))
    complete(session, COUNTY_TIANHE, second.id, "county_check", ACCEPT)
    assert filing(session, second).filing_number == f"440106-{year}-002-HT"


def test_returns_loop_back_to_the_enterprise_until_the_limit(session: Session, store: LocalFileStore) -> None:
    instance = filings.submit(session, ENT_TIANHE, "440106", plan(session, store))
    for round_number in (1, 2):  # max_return_rounds = 2 in emergency_plan_filing.config.json
        complete(session, COUNTY_TIANHE, instance.id, "county_check", RETURN)
        assert waiting_at(session, instance.id) == ["submit"]
        recorded = filing(session, instance)
        assert (recorded.status, recorded.return_rounds, recorded.missing_items) == (
            "returned", round_number, "缺少环境风险评估报告")
        submit = ready(session, instance.id, "submit")
        assert_refused(session, submit, OUTSIDERS["enterprise"], plan(session, store))
        complete(session, ENT_TIANHE, instance.id, "submit", plan(session, store, note=f"第 {round_number} 次补正"))
    complete(session, COUNTY_TIANHE, instance.id, "county_check", RETURN)
    assert instance.status == "completed"
    refused = filing(session, instance)
    assert (refused.status, refused.filing_number, refused.return_rounds) == ("refused", None, 3)
    assert actions(session, instance.id)[-2:] == ["task.complete", "emergency.refused"]
    assert [step for step, _ in history(session, instance.id)] == [
        "submit", "county_check", "submit", "county_check", "submit", "county_check"]


def test_an_overdue_check_is_urged_once(session: Session, store: LocalFileStore) -> None:
    instance = filings.submit(session, ENT_TIANHE, "440106", plan(session, store))
    check = ready(session, instance.id, "county_check")
    due = workday_deadline(session, 5)  # the completeness check has 5 working days
    assert check.due_at == due
    with at(due - timedelta(minutes=1)):
        assert sweep(session) == []
    with at(due + timedelta(minutes=1)):
        assert sweep(session) == [instance.id]
        assert sweep(session) == []
    assert check.status == TaskStatus.READY and actions(session, instance.id)[-2:] == ["timer.fire", "task.urge"]
    complete(session, COUNTY_TIANHE, instance.id, "county_check", ACCEPT)
    assert filing(session, instance).status == "filed"


def test_only_the_enterprise_files_its_plan(session: Session, store: LocalFileStore) -> None:
    for actor in (COUNTY_TIANHE, CITY_GZ, ADMIN):
        with pytest.raises(NotAllowed):
            instances.start(session, actor, StartRequest("emergency_plan_filing", "440106", ENTERPRISE_TIANHE))
    with pytest.raises(NotAllowed):
        instances.start(session, ENT_BAIYUN, StartRequest("emergency_plan_filing", "440106", ENTERPRISE_TIANHE))
    with pytest.raises(InvalidForm) as incomplete:
        filings.submit(session, ENT_TIANHE, "440106", plan(session, store, documents=[], risk_level="huge"))
    assert sorted(incomplete.value.fields) == ["documents", "risk_level"]
    foreign = library_file(session, store, ENT_BAIYUN)
    with pytest.raises(InvalidForm) as not_theirs:
        filings.submit(session, ENT_TIANHE, "440106", plan(session, store, documents=[foreign]))
    assert list(not_theirs.value.fields) == ["documents"]
    assert session.scalars(select(EmergencyPlanFiling)).all() == []


def test_operations_on_the_filing(session: Session, store: LocalFileStore) -> None:
    create_people(session, COUNTY_TIANHE, COUNTY_TIANHE_B, CITY_GZ)
    instance = filings.submit(session, ENT_TIANHE, "440106", plan(session, store))
    operations.withdraw(session, ENT_TIANHE, step_row(session, instance.id, "submit").id)
    complete(session, ENT_TIANHE, instance.id, "submit", plan(session, store, plan_name="修订版"))
    assert filing(session, instance).plan_name == "修订版"

    check = ready(session, instance.id, "county_check")
    operations.delegate(session, COUNTY_TIANHE, None, check.id, CITY_GZ.username, "请把关")
    operations.answer_delegation(session, CITY_GZ, check.id, "缺风险评估")
    returned = complete(session, COUNTY_TIANHE, instance.id, "county_check", RETURN)
    reopened = operations.withdraw(session, COUNTY_TIANHE, returned.id)
    assert reopened.spec_name == "county_check" and waiting_at(session, instance.id) == ["county_check"]
    operations.transfer(session, COUNTY_TIANHE, None, reopened.id, COUNTY_TIANHE_B.username)
    with pytest.raises(NotAllowed, match="does not allow return"):
        operations.return_to(session, COUNTY_TIANHE_B, reopened.id, "submit", "x")
    operations.urge(session, CITY_GZ, reopened.id)
    tasks.complete(session, COUNTY_TIANHE_B, reopened.id, ACCEPT)
    assert filing(session, instance).filing_number is not None
    assert [a for a in actions(session, instance.id) if a.startswith("task.") and a != "task.complete"] == [
        "task.withdraw", "task.delegate", "task.delegate_answer", "task.withdraw", "task.transfer", "task.urge"]
    with pytest.raises(InstanceNotFound):
        filings.filing_of(session, COUNTY_BAIYUN, instance.id)
    assert filings.filing_of(session, ENT_TIANHE, instance.id).status == "filed"
