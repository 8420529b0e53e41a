"""Approval operations: return, withdraw, transfer, delegate, copy, urge — state, index and audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.errors import Conflict, InvalidInput, NotAllowed, TaskNotFound
from engine.identity import local_users as users
from engine.tasks import actions as tasks
from engine.tasks import operations
from engine.workflow.models import HumanTask, TaskStatus
from tests.engine.anomalies.test_walkthrough import ready_task, start_anomaly
from tests.support.actors import CITY_GZ, COUNTY_BAIYUN, COUNTY_TIANHE, ENT_TIANHE

COLLEAGUE = Actor("county-440106-b", frozenset({Role.COUNTY_REVIEWER}), "440106")
EXPLANATION = {"reason": "other", "description": "说明"}


@pytest.fixture
def people(session: Session) -> None:
    for actor in (COLLEAGUE, COUNTY_TIANHE, COUNTY_BAIYUN, CITY_GZ):
        role = next(iter(actor.roles))
        users.create(session, actor.username, "password", [role], region_code=actor.region_code)


@pytest.fixture
def at_county(session: Session, deployed: dict[str, int]) -> HumanTask:
    """An instance whose explanation was submitted; the county review is open."""
    instance = start_anomaly(session)
    tasks.complete(session, ENT_TIANHE, ready_task(session, instance.id).id, EXPLANATION)
    return ready_task(session, instance.id)


def actions(session: Session, instance_id: int) -> list[str]:
    return [e.action for e in audit.instance_events(session, instance_id)]


def test_return_reopens_the_explanation_with_the_opinion(session: Session, at_county: HumanTask) -> None:
    reopened = operations.return_to(session, COUNTY_TIANHE, at_county.id, "explain", "请补充检修记录")
    assert reopened.spec_name == "explain" and reopened.status == TaskStatus.READY
    assert at_county.status == TaskStatus.RETURNED and at_county.opinion == "请补充检修记录"
    assert ready_task(session, at_county.instance_id).id == reopened.id
    assert actions(session, at_county.instance_id)[-1] == "task.return"
    tasks.complete(session, ENT_TIANHE, reopened.id, EXPLANATION)
    assert ready_task(session, at_county.instance_id).spec_name == "county_review"


def test_return_needs_an_opinion_and_an_allowed_target(session: Session, at_county: HumanTask) -> None:
    with pytest.raises(InvalidInput) as empty:
        operations.return_to(session, COUNTY_TIANHE, at_county.id, "explain", "  ")
    assert "opinion" in empty.value.fields
    with pytest.raises(NotAllowed, match="explain"):
        operations.return_to(session, COUNTY_TIANHE, at_county.id, "city_review", "x")


def test_withdraw_before_the_next_person_acts(session: Session, at_county: HumanTask) -> None:
    explain = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == at_county.instance_id, HumanTask.spec_name == "explain")).one()
    reopened = operations.withdraw(session, ENT_TIANHE, explain.id)
    assert reopened.spec_name == "explain" and reopened.status == TaskStatus.READY
    assert explain.status == TaskStatus.WITHDRAWN
    assert at_county.status == TaskStatus.CANCELLED
    assert "task.withdraw" in actions(session, at_county.instance_id)


def test_withdraw_is_refused_once_the_next_step_is_claimed(session: Session, at_county: HumanTask) -> None:
    explain = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == at_county.instance_id, HumanTask.spec_name == "explain")).one()
    tasks.claim(session, COUNTY_TIANHE, at_county.id)
    with pytest.raises(Conflict, match="no longer be withdrawn"):
        operations.withdraw(session, ENT_TIANHE, explain.id)
    with pytest.raises(TaskNotFound):  # the enterprise's step is not the county's to see
        operations.withdraw(session, COUNTY_TIANHE, explain.id)


def test_transfer_within_scope_pins_the_step(session: Session, at_county: HumanTask, people: None) -> None:
    with pytest.raises(InvalidInput):
        operations.transfer(session, COUNTY_TIANHE, None, at_county.id, COUNTY_BAIYUN.username)
    with pytest.raises(InvalidInput):
        operations.transfer(session, COUNTY_TIANHE, None, at_county.id, "nobody")
    operations.transfer(session, COUNTY_TIANHE, None, at_county.id, COLLEAGUE.username, "请代为审核")
    assert at_county.assignee == COLLEAGUE.username
    with pytest.raises(NotAllowed):
        tasks.complete(session, COUNTY_TIANHE, at_county.id, {"decision": "accept"})
    tasks.complete(session, COLLEAGUE, at_county.id, {"decision": "accept"})
    assert at_county.completed_by == COLLEAGUE.username


def test_delegate_collects_an_opinion_and_gives_the_step_back(session: Session, at_county: HumanTask,
                                                             people: None) -> None:
    operations.delegate(session, COUNTY_TIANHE, None, at_county.id, CITY_GZ.username, "请给出意见")
    assert tasks.get_task(session, CITY_GZ, at_county.id).delegated_to == CITY_GZ.username
    with pytest.raises(Conflict, match="delegated"):
        tasks.complete(session, COUNTY_TIANHE, at_county.id, {"decision": "accept"})
    with pytest.raises(NotAllowed):
        operations.answer_delegation(session, COLLEAGUE, at_county.id, "x")
    operations.answer_delegation(session, CITY_GZ, at_county.id, "同意通过")
    assert at_county.delegated_to is None
    notes = operations.notes_of(session, COUNTY_TIANHE, at_county.id)
    assert [(n.kind, n.body) for n in notes] == [("delegate", "请给出意见"), ("opinion", "同意通过")]
    tasks.complete(session, COUNTY_TIANHE, at_county.id, {"decision": "accept"})


def test_delegate_outside_the_region_is_refused(session: Session, at_county: HumanTask, people: None) -> None:
    with pytest.raises(InvalidInput, match="opinion"):
        operations.delegate(session, COUNTY_TIANHE, None, at_county.id, COUNTY_BAIYUN.username)


def test_copy_reaches_only_people_in_scope(session: Session, at_county: HumanTask, people: None) -> None:
    with pytest.raises(InvalidInput):
        operations.copy_to(session, COUNTY_TIANHE, None, at_county.id, [CITY_GZ.username, COUNTY_BAIYUN.username])
    operations.copy_to(session, COUNTY_TIANHE, None, at_county.id, [CITY_GZ.username], "供参阅")
    copies = operations.copies_for(session, CITY_GZ)
    assert [(note.body, task.id) for note, task in copies] == [("供参阅", at_county.id)]
    assert operations.copies_for(session, COUNTY_BAIYUN) == []


def test_urge_reminds_the_holder_and_is_audited(session: Session, at_county: HumanTask) -> None:
    tasks.claim(session, COUNTY_TIANHE, at_county.id)
    note = operations.urge(session, CITY_GZ, at_county.id, "请尽快办理")
    assert note.target == COUNTY_TIANHE.username and note.kind == "urge"
    assert actions(session, at_county.instance_id)[-1] == "task.urge"
    with pytest.raises(NotAllowed):
        operations.urge(session, COUNTY_TIANHE, at_county.id)
    with pytest.raises(TaskNotFound):
        operations.urge(session, COUNTY_BAIYUN, at_county.id)


def test_an_operation_the_step_does_not_allow_is_refused(session: Session, deployed: dict[str, int],
                                                          people: None) -> None:
    instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    with pytest.raises(NotAllowed, match="does not allow transfer"):
        operations.transfer(session, ENT_TIANHE, None, explain.id, "someone")
