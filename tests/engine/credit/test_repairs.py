"""信用修复 (credit_repair): district opinion, city review, the 7-day notice timer, refusals, eligibility, operations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.credit import ratings, repairs
from engine.credit.models import CreditRating, CreditRepair, PublicNotice
from engine.errors import Conflict, InstanceNotFound, InvalidForm, NotAllowed
from engine.evidence.filestore import LocalFileStore
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.tasks import actions as tasks
from engine.tasks import operations
from engine.workflow.models import ProcessInstance, TaskStatus
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    CITY_SZ,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
    ENTERPRISE_TIANHE,
    PROVINCE,
)
from tests.support.processes import (
    CITY_GZ_B,
    OUTSIDERS,
    TAX,
    actions,
    assert_refused,
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
)

pytestmark = pytest.mark.usefixtures("deployed")

AGREE = {"decision": "agree", "opinion": "整改到位，同意修复"}
REFUSE = {"decision": "refuse", "opinion": "整改不彻底"}


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "evidence")


def published(session: Session, level: int) -> CreditRating:
    """A rating of Tianhe published now (its notice ran out yesterday)."""
    rating = propose_rating(session, level, starts_at=now() - timedelta(days=16), notice_days=15)
    ratings.publish(session, ADMIN, rating.notice_id)
    return rating


def application(session: Session, store: LocalFileStore) -> dict[str, Any]:
    return {"rectification": "更换脱硫设施并完成验收", "completed_on": "2026-10-20",
            "evidence": [library_file(session, store, ENT_TIANHE)]}


def repair(session: Session, instance: ProcessInstance) -> CreditRepair:
    return session.scalars(select(CreditRepair).where(CreditRepair.instance_id == instance.id)).one()


def test_approved_repair_rises_one_level_when_the_notice_ends(session: Session, store: LocalFileStore) -> None:
    rating = published(session, 3)
    instance = repairs.apply(session, ENT_TIANHE, "440106", application(session, store))
    assert waiting_at(session, instance.id) == ["district_opinion"]
    assert (repair(session, instance).from_level, repair(session, instance).to_level) == (3, 2)
    district = ready(session, instance.id, "district_opinion")
    assert (district.role, district.kind) == ("county_reviewer", "repair")
    assert_refused(session, district, OUTSIDERS["county_reviewer"] + [CITY_GZ], AGREE)
    complete(session, COUNTY_TIANHE, instance.id, "district_opinion", AGREE)

    city = ready(session, instance.id, "city_review")
    assert_refused(session, city, OUTSIDERS["city_reviewer"] + [PROVINCE], AGREE)
    complete(session, CITY_GZ, instance.id, "city_review", AGREE)

    notice_step = ready(session, instance.id, "notice")
    assert notice_step.role == "city_reviewer"
    assert timedelta(days=6, hours=23) < notice_step.due_at - now() <= timedelta(days=7)
    noticed = repair(session, instance)
    notice = session.get(PublicNotice, noticed.notice_id)
    assert noticed.status == "noticed" and notice.kind == "repair" and notice.ends_at == notice_step.due_at
    assert "拟由环保警示企业调整为环保良好企业" in notice.title
    assert actions(session, instance.id)[-2:] == ["task.complete", "credit.notice"]

    with later(days=6, hours=23):
        assert sweep(session) == []
    with later(days=7, minutes=1):
        assert sweep(session) == [instance.id]
    session.refresh(instance)
    assert instance.status == "completed" and notice_step.status == TaskStatus.CANCELLED
    assert rating.level == 2
    change = ratings.history(session, ENT_TIANHE, rating.id)[-1]
    assert (change.from_level, change.to_level, change.reason, change.changed_by) == (3, 2, "repair", "system")
    assert repair(session, instance).status == "repaired"
    assert actions(session, instance.id)[-2:] == ["timer.fire", "credit.level_change"]


@pytest.mark.parametrize("step, actor, earlier", [
    ("district_opinion", COUNTY_TIANHE, []),
    ("city_review", CITY_GZ, [("district_opinion", COUNTY_TIANHE)]),
    ("notice", CITY_GZ, [("district_opinion", COUNTY_TIANHE), ("city_review", CITY_GZ)]),
], ids=["district", "city", "during-notice"])
def test_each_step_can_refuse_with_reasons(session: Session, store: LocalFileStore, step: str, actor: Any,
                                           earlier: list[tuple[str, Any]]) -> None:
    rating = published(session, 4)
    instance = repairs.apply(session, ENT_TIANHE, "440106", application(session, store))
    for name, reviewer in earlier:
        complete(session, reviewer, instance.id, name, AGREE)
    with pytest.raises(InvalidForm) as no_reason:
        tasks.complete(session, actor, ready(session, instance.id, step).id, {"decision": "refuse"})
    assert list(no_reason.value.fields) == ["opinion"]
    complete(session, actor, instance.id, step, REFUSE)
    assert instance.status == "completed" and rating.level == 4
    refused = repair(session, instance)
    assert (refused.status, refused.refused_at_step, refused.refusal_reason) == ("refused", step, "整改不彻底")
    assert actions(session, instance.id)[-2:] == ["task.complete", "credit.repair_refused"]


@pytest.mark.parametrize("level, message", [(1, "只有环保警示"), (2, "只有环保警示")], ids=["green", "blue"])
def test_only_yellow_or_red_ratings_can_be_repaired(session: Session, store: LocalFileStore, level: int,
                                                    message: str) -> None:
    published(session, level)
    with pytest.raises(Conflict, match=message):
        repairs.apply(session, ENT_TIANHE, "440106", application(session, store))
    assert session.scalar(select(func.count()).select_from(CreditRepair)) == 0


def test_applications_close_six_months_after_publication(session: Session, store: LocalFileStore) -> None:
    published(session, 3)
    data = application(session, store)
    with later(days=200):
        with pytest.raises(Conflict, match="6 个月内申请"):
            repairs.apply(session, ENT_TIANHE, "440106", data)
    with later(days=150):
        assert repairs.apply(session, ENT_TIANHE, "440106", data).status == "running"


def test_who_may_apply(session: Session, store: LocalFileStore) -> None:
    with pytest.raises(Conflict, match="没有已公布"):
        repairs.apply(session, ENT_TIANHE, "440106", application(session, store))
    published(session, 3)
    for actor in (COUNTY_TIANHE, CITY_GZ, ADMIN):
        with pytest.raises(NotAllowed):
            instances.start(session, actor, StartRequest("credit_repair", "440106", ENTERPRISE_TIANHE))
    with pytest.raises(NotAllowed):
        instances.start(session, ENT_BAIYUN, StartRequest("credit_repair", "440106", ENTERPRISE_TIANHE))
    with pytest.raises(InvalidForm) as no_evidence:
        repairs.apply(session, ENT_TIANHE, "440106", {"rectification": "x", "completed_on": "2026-10-20"})
    assert list(no_evidence.value.fields) == ["evidence"]
    repairs.apply(session, ENT_TIANHE, "440106", application(session, store))
    with pytest.raises(Conflict, match="正在办理"):
        repairs.apply(session, ENT_TIANHE, "440106", application(session, store))


def test_operations_and_send_backs(session: Session, store: LocalFileStore) -> None:
    create_people(session, CITY_GZ, CITY_GZ_B, COUNTY_TIANHE)
    published(session, 3)
    instance = repairs.apply(session, ENT_TIANHE, "440106", application(session, store))
    applied = step_row(session, instance.id, "apply")
    operations.withdraw(session, ENT_TIANHE, applied.id)
    complete(session, ENT_TIANHE, instance.id, "apply", application(session, store))

    district = ready(session, instance.id, "district_opinion")
    operations.return_to(session, COUNTY_TIANHE, district.id, "apply", "请补充验收报告")
    assert waiting_at(session, instance.id) == ["apply"]
    complete(session, ENT_TIANHE, instance.id, "apply", application(session, store))
    complete(session, COUNTY_TIANHE, instance.id, "district_opinion", AGREE)

    city = ready(session, instance.id, "city_review")
    operations.return_to(session, CITY_GZ, city.id, "district_opinion", "请区县复查")
    complete(session, COUNTY_TIANHE, instance.id, "district_opinion", AGREE)
    city = ready(session, instance.id, "city_review")
    operations.delegate(session, CITY_GZ, None, city.id, CITY_GZ_B.username, "请提意见")
    operations.answer_delegation(session, CITY_GZ_B, city.id, "同意")
    operations.transfer(session, CITY_GZ, None, city.id, CITY_GZ_B.username)
    complete(session, CITY_GZ_B, instance.id, "city_review", AGREE)

    notice_step = ready(session, instance.id, "notice")
    with pytest.raises(NotAllowed, match="does not allow delegate"):
        operations.delegate(session, CITY_GZ, None, notice_step.id, CITY_GZ_B.username)
    operations.transfer(session, CITY_GZ, None, notice_step.id, CITY_GZ_B.username)
    operations.urge(session, PROVINCE, notice_step.id, "请关注公示")
    assert history(session, instance.id) == [
        ("apply", "withdrawn"), ("district_opinion", "cancelled"), ("apply", "completed"),
        ("district_opinion", "returned"), ("apply", "completed"), ("district_opinion", "completed"),
        ("city_review", "returned"), ("district_opinion", "completed"), ("city_review", "completed"),
        ("notice", "ready")]
    assert [a for a in actions(session, instance.id) if a not in ("task.complete", "instance.start")] == [
        "task.withdraw", "task.return", "task.return", "task.delegate", "task.delegate_answer", "task.transfer",
        "credit.notice", "task.transfer", "task.urge"]
    assert_refused(session, notice_step, [CITY_GZ, CITY_SZ, COUNTY_TIANHE], REFUSE)


def test_wrong_region_reviewers_see_nothing(session: Session, store: LocalFileStore) -> None:
    published(session, 3)
    instance = repairs.apply(session, ENT_TIANHE, "440106", application(session, store))
    district = ready(session, instance.id, "district_opinion")
    assert_refused(session, district, [COUNTY_BAIYUN, CITY_SZ, TAX, ENT_BAIYUN], AGREE)
    with pytest.raises(InstanceNotFound):
        repairs.repair_of(session, COUNTY_BAIYUN, instance.id)
    assert repairs.repair_of(session, ENT_TIANHE, instance.id).status == "open"
