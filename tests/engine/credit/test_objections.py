"""信用评价异议 (credit_objection): every path, the countersign, late objections, timers, operations and scope."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.credit import objections, ratings
from engine.credit.models import CreditObjection, CreditRating, PublicNotice
from engine.errors import Conflict, InvalidForm, NotAllowed
from engine.evidence.filestore import LocalFileStore
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.tasks import actions as tasks
from engine.tasks import operations
from engine.workflow import configs
from engine.workflow.models import ProcessInstance, TaskStatus
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    CITY_SZ,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
    ENTERPRISE_BAIYUN,
    ENTERPRISE_TIANHE,
    PROVINCE,
)
from tests.support.processes import (
    COUNTY_TIANHE_B,
    OUTSIDERS,
    PROVINCE_B,
    TAX,
    actions,
    assert_refused,
    at,
    complete,
    create_people,
    history,
    later,
    library_file,
    now,
    propose_rating,
    ready,
    step_row,
    sweep,
    waiting_at,
    workday_deadline,
)

pytestmark = pytest.mark.usefixtures("deployed")

PROVINCE_C = Actor("province-3", frozenset({Role.PROVINCE_REVIEWER}), "440000")
FOUNDED = {"finding": "founded", "suggested_level": "2", "opinion": "监测数据有误，异议成立"}
UNFOUNDED = {"finding": "unfounded", "opinion": "异议不成立"}
CORRECT = {"vote": "correct", "opinion": "同意更正"}
KEEP = {"vote": "keep", "opinion": "维持原评价"}


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "evidence")


@pytest.fixture(autouse=True)
def two_countersigners(session: Session) -> None:
    configs.change(session, ADMIN, "credit_objection", {"province_reviewers": ["province", "province-2"]})


def file_objection(session: Session, store: LocalFileStore, actor: Actor = ENT_TIANHE) -> ProcessInstance:
    evidence = library_file(session, store, actor)
    return objections.file(session, actor, "440106", {"reasons": "2024 年 3 月超标记录系仪表故障所致",
                                                       "requested_level": "2", "evidence": [evidence]})


def objection(session: Session, instance: ProcessInstance) -> CreditObjection:
    return session.scalars(select(CreditObjection).where(CreditObjection.instance_id == instance.id)).one()


def test_county_verifies_and_the_province_countersigns_a_correction(session: Session, store: LocalFileStore) -> None:
    rating = propose_rating(session, 3)
    instance = file_objection(session, store)
    assert instance.status == "running" and waiting_at(session, instance.id) == ["county_verify"]
    verify = ready(session, instance.id, "county_verify")
    assert (verify.role, verify.region_code, verify.enterprise_code) == ("county_reviewer", "440106", ENTERPRISE_TIANHE)
    assert verify.due_at == workday_deadline(session, 5)  # verification within 5 working days
    assert actions(session, instance.id) == ["instance.start", "task.complete"]
    assert objection(session, instance).reasons.startswith("2024") and objection(session, instance).requested_level == 2
    assert_refused(session, verify, OUTSIDERS["county_reviewer"], FOUNDED)

    complete(session, COUNTY_TIANHE, instance.id, "county_verify", FOUNDED)
    first, second = ready(session, instance.id, "province_decide", "province"), \
        ready(session, instance.id, "province_decide", "province-2")
    assert waiting_at(session, instance.id) == ["province_decide", "province_decide"]
    assert {first.role, second.role} == {"province_reviewer"} and first.title == "省级会签"
    assert_refused(session, second, [PROVINCE, CITY_GZ, COUNTY_TIANHE, ENT_TIANHE], CORRECT)

    complete(session, PROVINCE, instance.id, "province_decide", CORRECT)
    assert first.status == TaskStatus.COMPLETED and second.status == TaskStatus.READY
    assert instance.status == "running" and rating.level == 3
    complete(session, PROVINCE_B, instance.id, "province_decide", CORRECT)

    assert instance.status == "completed" and waiting_at(session, instance.id) == []
    assert rating.level == 2
    assert [(c.from_level, c.to_level, c.reason) for c in ratings.history(session, ADMIN, rating.id)] == [
        (None, 3, "proposed"), (3, 2, "objection")]
    decided = objection(session, instance)
    assert (decided.status, decided.result_level, decided.decided_by) == ("corrected", 2, "province-2")
    notice = session.get(PublicNotice, decided.notice_id)
    assert notice.kind == "objection_result" and "更正为环保良好企业" in notice.title
    assert actions(session, instance.id)[-5:] == [
        "task.complete", "task.complete", "credit.level_change", "credit.notice", "credit.objection_decided"]
    assert history(session, instance.id) == [("submit", "completed"), ("county_verify", "completed"),
                                             ("province_decide", "completed"), ("province_decide", "completed")]


def test_one_keep_vote_keeps_the_rating(session: Session, store: LocalFileStore) -> None:
    rating = propose_rating(session, 3)
    instance = file_objection(session, store)
    complete(session, COUNTY_TIANHE, instance.id, "county_verify", FOUNDED)
    complete(session, PROVINCE_B, instance.id, "province_decide", KEEP)
    complete(session, PROVINCE, instance.id, "province_decide", CORRECT)
    assert instance.status == "completed" and rating.level == 3
    decided = objection(session, instance)
    assert (decided.status, decided.result_level) == ("kept", 3)
    assert "维持环保警示企业" in session.get(PublicNotice, decided.notice_id).title
    assert "credit.level_change" not in actions(session, instance.id)


def test_an_unfounded_objection_is_kept_even_if_all_vote_to_correct(session: Session, store: LocalFileStore) -> None:
    rating = propose_rating(session, 4)
    instance = file_objection(session, store)
    complete(session, COUNTY_TIANHE, instance.id, "county_verify", UNFOUNDED)
    complete(session, PROVINCE, instance.id, "province_decide", CORRECT)
    complete(session, PROVINCE_B, instance.id, "province_decide", CORRECT)
    assert (objection(session, instance).status, rating.level) == ("kept", 4)


def test_city_assessed_and_owned_rating_is_verified_and_decided_by_the_city(
    session: Session, store: LocalFileStore
) -> None:
    rating = propose_rating(session, 3, assessing="city", deciding="city")
    instance = file_objection(session, store)
    verify = ready(session, instance.id, "city_verify")
    assert verify.role == "city_reviewer"
    assert_refused(session, verify, [COUNTY_TIANHE, CITY_SZ, ENT_TIANHE, PROVINCE, TAX], FOUNDED)
    complete(session, CITY_GZ, instance.id, "city_verify", FOUNDED)
    decide = ready(session, instance.id, "city_decide")
    assert_refused(session, decide, [COUNTY_TIANHE, CITY_SZ, PROVINCE], {"decision": "keep", "opinion": "x"})
    with pytest.raises(InvalidForm) as missing:
        tasks.complete(session, CITY_GZ, decide.id, {"decision": "correct", "opinion": "更正"})
    assert list(missing.value.fields) == ["corrected_level"]
    complete(session, CITY_GZ, instance.id, "city_decide", {"decision": "correct", "corrected_level": "1",
                                                             "opinion": "更正为诚信"})
    assert instance.status == "completed" and rating.level == 1
    assert objection(session, instance).decided_by == CITY_GZ.username


def test_city_decision_returns_to_the_verification(session: Session, store: LocalFileStore) -> None:
    propose_rating(session, 3, assessing="county", deciding="city")
    instance = file_objection(session, store)
    complete(session, COUNTY_TIANHE, instance.id, "county_verify", UNFOUNDED)
    decide = ready(session, instance.id, "city_decide")
    with pytest.raises(NotAllowed, match="may return only to"):
        operations.return_to(session, CITY_GZ, decide.id, "submit", "请企业补充")
    reopened = operations.return_to(session, CITY_GZ, decide.id, "county_verify", "请重新核实 3 月数据")
    assert reopened.spec_name == "county_verify" and decide.status == TaskStatus.RETURNED
    assert actions(session, instance.id)[-1] == "task.return"
    complete(session, COUNTY_TIANHE, instance.id, "county_verify", FOUNDED)
    complete(session, CITY_GZ, instance.id, "city_decide", {"decision": "keep", "opinion": "维持"})
    assert objection(session, instance).status == "kept"


@pytest.mark.parametrize("days_ago, message", [(20, "异议期已结束"), (-3, "届时方可提出异议")],
                         ids=["after-the-notice", "before-the-notice"])
def test_objection_outside_the_notice_period_is_refused_at_start(
    session: Session, store: LocalFileStore, days_ago: int, message: str
) -> None:
    rating = propose_rating(session, 3, starts_at=now() - timedelta(days=days_ago), notice_days=15)
    with pytest.raises(Conflict, match=message) as refused:
        file_objection(session, store)
    if days_ago > 0:
        assert ratings.local_date(rating_notice_end(session, rating)) in refused.value.message
    assert session.scalar(select(func.count()).select_from(ProcessInstance)
                          .where(ProcessInstance.process_key == "credit_objection")) == 0
    assert session.scalar(select(func.count()).select_from(CreditObjection)) == 0


def rating_notice_end(session: Session, rating: CreditRating) -> datetime:
    notice = session.get(PublicNotice, rating.notice_id)
    assert notice is not None and notice.ends_at is not None
    return notice.ends_at


def test_who_may_object(session: Session, store: LocalFileStore) -> None:
    propose_rating(session, 3)
    for actor in (COUNTY_TIANHE, CITY_GZ, PROVINCE, ADMIN):
        with pytest.raises(NotAllowed):
            instances.start(session, actor, StartRequest("credit_objection", "440106", ENTERPRISE_TIANHE))
    with pytest.raises(NotAllowed):  # another enterprise, for Tianhe's rating
        instances.start(session, ENT_BAIYUN, StartRequest("credit_objection", "440106", ENTERPRISE_TIANHE))
    with pytest.raises(Conflict, match="没有处于公示期"):  # Baiyun has no proposed rating
        instances.start(session, ENT_BAIYUN, StartRequest("credit_objection", "440111", ENTERPRISE_BAIYUN))
    first = file_objection(session, store)
    with pytest.raises(Conflict, match="正在办理"):
        file_objection(session, store)
    instances.terminate(session, ADMIN, first.id, "企业撤回异议")
    assert file_objection(session, store).status == "running"  # a terminated objection blocks nothing


def test_an_unsubmitted_objection_lapses_when_the_notice_ends(session: Session, store: LocalFileStore) -> None:
    propose_rating(session, 3, notice_days=10)
    instance = instances.start(session, ENT_TIANHE, StartRequest("credit_objection", "440106", ENTERPRISE_TIANHE))
    submit = ready(session, instance.id, "submit")
    assert timedelta(days=9) < submit.due_at - now() <= timedelta(days=10)
    assert objection(session, instance).status == "open"
    with later(days=10, minutes=1):
        with pytest.raises(Conflict, match="异议期已结束"):  # submitted late, before the timer fired
            tasks.complete(session, ENT_TIANHE, submit.id,
                           {"reasons": "迟交", "evidence": [library_file(session, store, ENT_TIANHE)]})
        assert submit.status == TaskStatus.READY
        assert sweep(session) == [instance.id]
    session.refresh(instance)
    assert instance.status == "completed" and submit.status == TaskStatus.CANCELLED
    assert objection(session, instance).status == "lapsed"
    assert actions(session, instance.id)[-2:] == ["timer.fire", "credit.objection_lapsed"]


def test_an_overdue_verification_is_urged_once(session: Session, store: LocalFileStore) -> None:
    propose_rating(session, 3)
    instance = file_objection(session, store)
    verify = ready(session, instance.id, "county_verify")
    due = workday_deadline(session, 5)
    with at(due - timedelta(minutes=1)):
        assert sweep(session) == []
    with at(due + timedelta(minutes=1)):
        assert sweep(session) == [instance.id]
        assert sweep(session) == []
    assert verify.status == TaskStatus.READY and actions(session, instance.id)[-2:] == ["timer.fire", "task.urge"]
    complete(session, COUNTY_TIANHE, instance.id, "county_verify", FOUNDED)
    assert waiting_at(session, instance.id) == ["province_decide", "province_decide"]


def test_operations_on_the_objection_steps(session: Session, store: LocalFileStore) -> None:
    create_people(session, COUNTY_TIANHE, COUNTY_TIANHE_B, CITY_GZ, PROVINCE, PROVINCE_B, PROVINCE_C)
    propose_rating(session, 3)
    instance = file_objection(session, store)
    submitted = step_row(session, instance.id, "submit")
    again = operations.withdraw(session, ENT_TIANHE, submitted.id)
    assert again.spec_name == "submit" and submitted.status == TaskStatus.WITHDRAWN
    tasks.complete(session, ENT_TIANHE, again.id, {"reasons": "补充说明", "evidence": [library_file(session, store, ENT_TIANHE)]})

    verify = ready(session, instance.id, "county_verify")
    with pytest.raises(NotAllowed, match="does not allow return"):
        operations.return_to(session, COUNTY_TIANHE, verify.id, "submit", "补充")
    operations.delegate(session, COUNTY_TIANHE, None, verify.id, CITY_GZ.username, "请给意见")
    operations.answer_delegation(session, CITY_GZ, verify.id, "建议核实 3 月数据")
    operations.copy_to(session, COUNTY_TIANHE, None, verify.id, [CITY_GZ.username], "供参阅")
    operations.urge(session, CITY_GZ, verify.id, "请尽快核实")
    operations.transfer(session, COUNTY_TIANHE, None, verify.id, COUNTY_TIANHE_B.username, "请代为核实")
    with pytest.raises(NotAllowed):
        tasks.complete(session, COUNTY_TIANHE, verify.id, FOUNDED)
    tasks.complete(session, COUNTY_TIANHE_B, verify.id, FOUNDED)

    theirs = ready(session, instance.id, "province_decide", "province-2")
    operations.transfer(session, PROVINCE_B, None, theirs.id, PROVINCE_C.username, "出差，转办")
    complete(session, PROVINCE, instance.id, "province_decide", CORRECT)
    tasks.complete(session, PROVINCE_C, theirs.id, CORRECT)
    assert objection(session, instance).status == "corrected"
    assert [a for a in actions(session, instance.id) if a.startswith("task.") and a != "task.complete"] == [
        "task.withdraw", "task.delegate", "task.delegate_answer", "task.copy", "task.urge", "task.transfer",
        "task.transfer"]


def test_ratings_are_published_only_after_the_notice_and_the_objections(session: Session,
                                                                        store: LocalFileStore) -> None:
    rating = propose_rating(session, 3, notice_days=10)
    with pytest.raises(Conflict, match="公示期至"):
        ratings.publish(session, ADMIN, rating.notice_id)
    instance = file_objection(session, store)
    with later(days=11):
        with pytest.raises(Conflict, match="尚有异议未办结"):
            ratings.publish(session, ADMIN, rating.notice_id)
        complete(session, COUNTY_TIANHE, instance.id, "county_verify", UNFOUNDED)
        complete(session, PROVINCE, instance.id, "province_decide", KEEP)
        complete(session, PROVINCE_B, instance.id, "province_decide", KEEP)
        with pytest.raises(NotAllowed):
            ratings.publish(session, COUNTY_BAIYUN, rating.notice_id)
        assert ratings.publish(session, PROVINCE, rating.notice_id) == [rating]
    assert rating.status == "published" and rating.published_at is not None
    assert [c.reason for c in ratings.history(session, ENT_TIANHE, rating.id)] == ["proposed", "published"]
