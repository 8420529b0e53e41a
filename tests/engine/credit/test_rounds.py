"""The yearly round as a process: open → scores → county batch review with an adjustment → city → province →
public notice with an objection that corrects a level → publication; and a rule change reaching the next round only."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.credit import objections, rounds, rules
from engine.credit.models import CreditRating, CreditRound, CreditScore
from engine.errors import Conflict, InvalidInput, NotFound, TaskNotFound
from engine.evidence.filestore import LocalFileStore
from engine.notifications.models import Notification
from tests.engine.credit.credit_world import E1, E2, E3, E4, rules_for_tests, world
from tests.support.actors import ADMIN, CITY_GZ, COUNTY_BAIYUN, COUNTY_TIANHE, PROVINCE
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask
from tests.support.processes import complete, later, library_file, ready, ready_tasks, waiting_at

pytestmark = pytest.mark.usefixtures("deployed")

ENT_E2 = Actor("ent-e2", frozenset({Role.ENTERPRISE}), "440106", E2)


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "evidence")


def complete_in(session: Session, actor: Actor, instance_id: int, region: str, data: dict[str, str]) -> HumanTask:
    """Complete the ready county task of ``region`` (one task per county)."""
    task = next(t for t in ready_tasks(session, instance_id) if t.region_code == region)
    return tasks.complete(session, actor, task.id, data)


def levels(session: Session, round_id: int) -> dict[str, tuple[int, int, str]]:
    session.expire_all()
    return {s.enterprise_code: (s.proposed_level, s.level, s.review_status)
            for s in session.scalars(select(CreditScore).where(CreditScore.round_id == round_id))}


def test_a_round_end_to_end(session: Session, store: LocalFileStore) -> None:
    world(session)
    rules.change(session, ADMIN, 2025, rules_for_tests())
    instance = rounds.open_round(session, PROVINCE, 2025)
    credit_round = session.scalars(select(CreditRound).where(CreditRound.year == 2025)).one()
    assert credit_round.instance_id == instance.id and credit_round.enterprises == 4
    assert sorted(waiting_at(session, instance.id)) == ["county_review", "county_review"]
    assert {t.region_code for t in ready_tasks(session, instance.id)} == {"440106", "440111"}

    # the county adjusts E1 by one level with reason and evidence; more than one level or no evidence is refused
    e1 = session.scalars(select(CreditScore).where(CreditScore.enterprise_code == E1)).one()
    with pytest.raises(InvalidInput):
        rounds.adjust(session, COUNTY_TIANHE, e1.id, 4, "理由", [1])
    with pytest.raises(InvalidInput):
        rounds.adjust(session, COUNTY_TIANHE, e1.id, 1, "理由", [])
    with pytest.raises(NotFound):  # another county's enterprise
        rounds.adjust(session, COUNTY_BAIYUN, e1.id, 1, "理由", [1])
    evidence = library_file(session, store, COUNTY_TIANHE)
    rounds.adjust(session, COUNTY_TIANHE, e1.id, 1, "企业已完成清洁生产审核，表现突出", [evidence])
    with pytest.raises(TaskNotFound):  # one county cannot see, let alone review, another's
        complete_in(session, COUNTY_BAIYUN, instance.id, "440106", {})
    complete_in(session, COUNTY_TIANHE, instance.id, "440106", {"opinion": "其余确认"})
    assert levels(session, credit_round.id)[E2] == (2, 2, "approved")
    complete_in(session, COUNTY_BAIYUN, instance.id, "440111", {})
    assert waiting_at(session, instance.id) == ["city_review"]
    assert ready(session, instance.id, "city_review").region_code == "4401" + "00"
    complete(session, CITY_GZ, instance.id, "city_review", {})
    complete(session, PROVINCE, instance.id, "province_approve", {})
    assert levels(session, credit_round.id) == {
        E1: (2, 1, "adjusted"), E2: (2, 2, "approved"), E3: (4, 4, "approved"), E4: (4, 4, "approved")}
    assert credit_round.status == "notice"

    # during the notice E2 objects; verified and countersigned, its level is corrected to 1
    e2_evidence = library_file(session, store, ENT_E2)
    objection = objections.file(session, ENT_E2, "440106", {"reasons": "一般事件已认定为不可抗力",
                                                          "requested_level": "1", "evidence": [e2_evidence]})
    assert waiting_at(session, instance.id) == ["publish"]
    with pytest.raises(Conflict, match="公示期"):  # the notice period is still running
        complete(session, PROVINCE, instance.id, "publish", {})
    with later(days=16):
        with pytest.raises(Conflict, match="异议"):  # the objection is still open
            complete(session, PROVINCE, instance.id, "publish", {})
        complete(session, COUNTY_TIANHE, objection.id, "county_verify",
                 {"finding": "founded", "suggested_level": "1", "opinion": "异议成立"})
        complete(session, PROVINCE, objection.id, "province_decide", {"vote": "correct", "opinion": "同意更正"})
        complete(session, PROVINCE, instance.id, "publish", {})
    assert instance.status == "completed" and credit_round.status == "published"
    assert {c: lv for c, (_, lv, _) in levels(session, credit_round.id).items()} == {E1: 1, E2: 1, E3: 4, E4: 4}
    published = session.scalars(select(CreditRating).where(CreditRating.year == 2025)).all()
    assert {r.enterprise_code: (r.level, r.status) for r in published} == {
        E1: (1, "published"), E2: (1, "published"), E3: (4, "published"), E4: (4, "published")}
    told = session.scalars(select(Notification.enterprise_code).where(Notification.instance_id == instance.id))
    assert sorted(told) == sorted([E1, E2, E3, E4])


def test_a_rule_change_reaches_the_next_round_only(session: Session) -> None:
    world(session)
    rules.change(session, ADMIN, 2024, rules_for_tests())
    rounds.open_round(session, PROVINCE, 2024)
    first = session.scalars(select(CreditRound).where(CreditRound.year == 2024)).one()
    stricter = copy.deepcopy(rules_for_tests())
    stricter["levels"] = {"trustworthy": 99, "good": 95, "warning": 90}
    rules.change(session, ADMIN, 2025, stricter)
    rounds.open_round(session, PROVINCE, 2025)
    second = session.scalars(select(CreditRound).where(CreditRound.year == 2025)).one()
    assert first.rule_set_id != second.rule_set_id
    assert rounds.rule_set_of(session, first)["levels"]["trustworthy"] == 90  # the opened round keeps its rules
    assert rounds.rule_set_of(session, second)["levels"]["trustworthy"] == 99
    with pytest.raises(Conflict):
        rounds.open_round(session, PROVINCE, 2025)
