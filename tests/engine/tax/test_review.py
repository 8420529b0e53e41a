"""涉税复核 (tax_review): requests from the tax system, the county answer, urging at 10 days and the city at 15."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.tasks import actions as tasks
from engine.tasks import operations
from engine.tax import review as tax
from engine.tax.models import TaxReview
from engine.workflow.models import NoteKind, ProcessInstance, TaskNote, TaskStatus
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
    COUNTY_TIANHE_B,
    TAX,
    actions,
    assert_refused,
    complete,
    create_people,
    later,
    now,
    ready,
    sweep,
    waiting_at,
)

pytestmark = pytest.mark.usefixtures("deployed")

FIGURES = {"period": "2026-10", "points": [{"mn": "MN440106001", "factor": "a21026", "monthly_mean": 23.4,
                                            "basis": "hourly", "anomalies": 2, "flags": {"M": 3}}]}
ANSWER = {"conclusion": "understated", "reviewed_emission_kg": 1830.5, "reviewed_concentration": 23.4,
          "opinion": "申报排放量低于自动监测数据核算值"}


def request_data(number: str = "SW-2026-0001", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request_no": number, "tax_period": "2026-10", "reason": "abnormal_return",
        "reported": [{"pollutant": "a21026", "outlet": "DA001", "emission_kg": 812.0, "concentration": 10.2,
                      "unit": "mg/m3"}],
        "monitoring_figures": FIGURES,
    }
    data.update(changes)
    return data


def open_request(session: Session, **changes: Any) -> ProcessInstance:
    return instances.start(session, TAX, StartRequest(
        "tax_review", "440106", ENTERPRISE_TIANHE, business_key="SW-2026-0001", subject="涉税复核提请",
        data=request_data(**changes)))


def review(session: Session, instance: ProcessInstance) -> TaxReview:
    return session.scalars(select(TaxReview).where(TaxReview.instance_id == instance.id)).one()


def test_the_county_answers_and_the_tax_side_reads_the_result(session: Session) -> None:
    instance = open_request(session)
    step = ready(session, instance.id, "county_review")
    assert (step.role, step.region_code, step.kind) == ("county_reviewer", "440106", "abnormal_return")
    assert timedelta(days=14, hours=23) < step.due_at - now() <= timedelta(days=15)
    received = review(session, instance)
    assert (received.status, received.due_at, received.monitoring_figures) == ("open", step.due_at, FIGURES)
    pending = tax.review_result(session, TAX, "SW-2026-0001")
    assert (pending.status, pending.conclusion, pending.overdue) == ("open", None, False)
    assert_refused(session, step, [TAX, ENT_TIANHE, COUNTY_BAIYUN, CITY_SZ, CITY_GZ, PROVINCE], ANSWER)
    with pytest.raises(InvalidInput) as no_figures:
        tasks.complete(session, COUNTY_TIANHE, step.id, {"conclusion": "consistent", "opinion": "一致"})
    assert list(no_figures.value.fields) == ["reviewed_emission_kg"]

    complete(session, COUNTY_TIANHE, instance.id, "county_review", ANSWER)
    assert instance.status == "completed"
    result = tax.review_result(session, TAX, "SW-2026-0001")
    assert (result.status, result.conclusion, result.answered_by) == ("answered", "understated", COUNTY_TIANHE.username)
    assert result.reviewed == {"emission_kg": 1830.5, "concentration": 23.4, "note": None}
    assert (result.overdue, result.escalated) == (False, False)
    assert actions(session, instance.id) == ["instance.start", "task.complete", "tax.answer"]


def test_bad_or_repeated_requests_are_refused(session: Session) -> None:
    bad = request_data(tax_period="2026-13", reason="other", reported=[])
    with pytest.raises(InvalidInput) as refused:
        instances.start(session, TAX, StartRequest("tax_review", "440106", ENTERPRISE_TIANHE, data=bad))
    assert sorted(refused.value.fields) == ["reason", "reported", "tax_period"]
    with pytest.raises(InvalidInput) as unknown:
        instances.start(session, TAX, StartRequest("tax_review", "440106", ENTERPRISE_TIANHE,
                                                   data={**request_data(), "max_urges": 9}))
    assert list(unknown.value.fields) == ["max_urges"]
    with pytest.raises(InvalidInput) as no_enterprise:
        instances.start(session, TAX, StartRequest("tax_review", "440106", None, data=request_data()))
    assert list(no_enterprise.value.fields) == ["enterprise_code"]
    for actor in (COUNTY_TIANHE, CITY_GZ, ENT_TIANHE):
        with pytest.raises(NotAllowed):
            instances.start(session, actor, StartRequest("tax_review", "440106", ENTERPRISE_TIANHE,
                                                         data=request_data()))
    open_request(session)
    with pytest.raises(Conflict, match="已受理"):
        open_request(session)
    assert session.scalar(select(func.count()).select_from(TaxReview)) == 1


@pytest.fixture
def figures_source() -> Iterator[list[tuple[str, str]]]:
    asked: list[tuple[str, str]] = []

    def source(session: Session, enterprise_code: str, period: str) -> dict[str, Any]:
        asked.append((enterprise_code, period))
        return {"period": period, "points": []}

    previous = tax.register_figures_source(source)
    yield asked
    tax.register_figures_source(previous)


@pytest.fixture
def no_figures_source() -> Iterator[None]:
    previous = tax.register_figures_source(None)
    yield
    tax.register_figures_source(previous)


def test_monitoring_figures_come_from_the_registered_source(session: Session,
                                                            figures_source: list[tuple[str, str]]) -> None:
    instance = open_request(session, monitoring_figures=None)
    assert figures_source == [(ENTERPRISE_TIANHE, "2026-10")]
    assert review(session, instance).monitoring_figures == {"period": "2026-10", "points": []}
    given = open_request(session, request_no="SW-2026-0002")
    assert review(session, given).monitoring_figures == FIGURES and len(figures_source) == 1


@pytest.mark.usefixtures("no_figures_source")
def test_without_a_source_the_request_carries_no_figures(session: Session) -> None:
    instance = open_request(session, monitoring_figures=None)
    assert review(session, instance).monitoring_figures is None
    assert tax.review_result(session, TAX, "SW-2026-0001").monitoring_figures is None


def test_urged_at_ten_days_escalated_to_the_city_at_fifteen(session: Session) -> None:
    instance = open_request(session)
    county = ready(session, instance.id, "county_review")
    with later(days=9, hours=23):
        assert sweep(session) == []
    with later(days=10, minutes=1):
        assert sweep(session) == [instance.id]
    urged = review(session, instance)
    assert urged.urged_at is not None and county.status == TaskStatus.READY
    (note,) = session.scalars(select(TaskNote).where(TaskNote.task_id == county.id)).all()
    assert (note.kind, note.author) == (NoteKind.URGE, "system") and "临期催办" in note.body
    assert actions(session, instance.id)[-3:] == ["timer.fire", "task.urge", "tax.urge"]

    with later(days=15, minutes=1):
        assert sweep(session) == [instance.id]
        assert tax.review_result(session, TAX, "SW-2026-0001").overdue is True
    assert county.status == TaskStatus.CANCELLED and waiting_at(session, instance.id) == ["city_review"]
    city = ready(session, instance.id, "city_review")
    assert city.role == "city_reviewer"
    assert review(session, instance).status == "escalated"
    assert actions(session, instance.id)[-2:] == ["timer.fire", "tax.escalate"]
    assert_refused(session, city, [COUNTY_TIANHE, CITY_SZ, TAX], ANSWER)
    with later(days=16):
        complete(session, CITY_GZ, instance.id, "city_review", ANSWER)
    result = tax.review_result(session, TAX, "SW-2026-0001")
    assert (result.status, result.escalated, result.overdue, result.answered_by) == (
        "answered", True, True, CITY_GZ.username)


def test_operations_on_the_review(session: Session) -> None:
    create_people(session, COUNTY_TIANHE, COUNTY_TIANHE_B, CITY_GZ)
    instance = open_request(session)
    county = ready(session, instance.id, "county_review")
    with pytest.raises(NotAllowed, match="does not allow return"):
        operations.return_to(session, COUNTY_TIANHE, county.id, "county_review", "x")
    operations.copy_to(session, COUNTY_TIANHE, None, county.id, [CITY_GZ.username], "请知悉")
    operations.delegate(session, COUNTY_TIANHE, None, county.id, CITY_GZ.username, "请提供意见")
    operations.answer_delegation(session, CITY_GZ, county.id, "按小时均值复核")
    operations.urge(session, CITY_GZ, county.id, "法定期限 15 日")
    operations.transfer(session, COUNTY_TIANHE, None, county.id, COUNTY_TIANHE_B.username)
    assert_refused(session, county, [COUNTY_TIANHE], ANSWER)
    done = complete(session, COUNTY_TIANHE_B, instance.id, "county_review", ANSWER)
    with pytest.raises(NotAllowed, match="does not allow withdraw"):
        operations.withdraw(session, COUNTY_TIANHE_B, done.id)
    assert [a for a in actions(session, instance.id) if a.startswith("task.")] == [
        "task.copy", "task.delegate", "task.delegate_answer", "task.urge", "task.transfer", "task.complete"]


def test_results_are_shown_only_within_scope(session: Session) -> None:
    open_request(session)
    for outsider in (ENT_BAIYUN, COUNTY_BAIYUN, CITY_SZ):
        with pytest.raises(NotFound):
            tax.review_result(session, outsider, "SW-2026-0001")
    with pytest.raises(NotFound):
        tax.review_result(session, TAX, "SW-unknown")
    for reader in (TAX, COUNTY_TIANHE, CITY_GZ, PROVINCE, ADMIN, ENT_TIANHE):
        assert tax.review_result(session, reader, "SW-2026-0001").status == "open"
