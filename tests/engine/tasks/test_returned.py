"""A reopened step knows why it came back and what was submitted before, however it was sent back."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine.workflow.models import HumanTask
from engine.tasks import operations, page as task_page, actions as tasks
from engine.tasks import returned as returned_steps
from tests.engine.anomalies.test_walkthrough import ready_task, start_anomaly
from tests.support.actors import COUNTY_TIANHE, ENT_TIANHE

EXPLANATION = {"reason": "other", "description": "检修"}


@pytest.fixture
def at_county(session: Session, deployed: dict[str, int]) -> HumanTask:
    instance = start_anomaly(session)
    first = ready_task(session, instance.id)
    assert returned_steps.returned_from(session, first) is None  # a first run
    tasks.complete(session, ENT_TIANHE, first.id, EXPLANATION)
    return ready_task(session, instance.id)


def test_a_return_by_outcome(session: Session, at_county: HumanTask) -> None:
    tasks.complete(session, COUNTY_TIANHE, at_county.id, {"decision": "return", "opinion": "请补充数据"})
    again = ready_task(session, at_county.instance_id)
    notice = returned_steps.returned_from(session, again)
    assert notice is not None and (notice.reason, notice.returned_by) == ("请补充数据", COUNTY_TIANHE.username)
    assert notice.previous.submitted and notice.previous.submitted["description"] == "检修"
    page = task_page.task_page(session, ENT_TIANHE, again.id)
    assert page.returned is not None and page.prefill is not None and page.prefill["reason"] == "other"
    assert returned_steps.returned_many(session, [again, at_county]).keys() == {again.id}


def test_a_return_by_the_operation(session: Session, at_county: HumanTask) -> None:
    again = operations.return_to(session, COUNTY_TIANHE, at_county.id, "explain", "缺少检修记录")
    notice = returned_steps.returned_from(session, again)
    assert notice is not None and notice.reason == "缺少检修记录" and notice.from_step == at_county.title
    tasks.complete(session, ENT_TIANHE, again.id, EXPLANATION)
    assert returned_steps.returned_from(session, ready_task(session, at_county.instance_id)) is None



def test_a_return_without_an_opinion_names_what_the_reviewer_wrote(session: Session, at_county: HumanTask) -> None:
    """E.g. an emergency plan's completeness check lists the missing items instead of an opinion."""
    tasks.complete(session, COUNTY_TIANHE, at_county.id, {"decision": "return", "opinion": "x"})
    at_county.opinion, at_county.submitted = None, {"decision": "return", "missing_items": "缺少风险评估报告"}
    session.flush()
    notice = returned_steps.returned_from(session, ready_task(session, at_county.instance_id))
    assert notice is not None and notice.reason == "缺少风险评估报告"
