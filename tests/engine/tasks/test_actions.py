"""Human tasks: the index, who sees and works what, claims, versions, admin operations, the return loop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.calendar.holidays import current_calendar
from engine.db import utcnow
from engine.errors import (
    Conflict,
    InstanceNotFound,
    InvalidForm,
    NotAllowed,
    PreconditionFailed,
    TaskNotFound,
)
from engine.instances import service as instances
from engine.scoping import can_see_instance
from engine.tasks import actions as tasks
from engine.tasks.actions import TaskQuery
from engine.workflow import runtime
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    CITY_SZ,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
    ENTERPRISE_BAIYUN,
    ENTERPRISE_FUTIAN,
    ENTERPRISE_TIANHE,
    PROVINCE,
)
from tests.support.flows import (
    EXPLANATION,
    FUTIAN,
    advance_to,
    ready_task,
    ready_tasks,
    start_anomaly,
)

pytestmark = pytest.mark.usefixtures("deployed")

COUNTY_TIANHE_2 = Actor("county-440106-b", frozenset({Role.COUNTY_REVIEWER}), "440106")
RETURN = {"decision": "return", "opinion": "请补充停产证明"}


def visible_ids(session: Session, actor: Actor, **filters: object) -> set[str]:
    page = tasks.list_tasks(session, actor, TaskQuery(per_page=200, **filters))  # type: ignore[arg-type]
    return {t.id for t in page.items}


def instance_of(session: Session, task: HumanTask) -> ProcessInstance:
    instance = session.get(ProcessInstance, task.instance_id)
    assert instance is not None
    return instance


def completed_steps(session: Session, instance: ProcessInstance) -> list[str]:
    workflow = runtime.load(session, instance).workflow
    return [t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)]


# --- the index ---------------------------------------------------------------------------------


def test_start_indexes_the_first_task(session: Session) -> None:
    before = utcnow()
    instance = start_anomaly(session)
    task = ready_task(session, instance.id)
    assert (task.spec_name, task.title, task.role, task.lane, task.form_key) == (
        "explain", "企业异常说明", "enterprise", "企业", "anomaly_explanation")
    assert (task.region_code, task.enterprise_code, task.subject) == ("440106", ENTERPRISE_TIANHE, "COD 超标")
    assert task.process_key == "anomaly_closure" and task.claimed_by is None
    assert task.due_at is not None
    # explain_workdays = 5 working days on the statutory calendar (engine/workflow/deadlines.py)
    calendar = current_calendar(session)
    assert task.due_at in {calendar.add_workdays(moment, 5).due_at for moment in (before, utcnow())}
    assert instance.status == InstanceStatus.RUNNING and instance.model_version == 1


def test_completing_moves_the_index_on(session: Session) -> None:
    instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    tasks.complete(session, ENT_TIANHE, explain.id, EXPLANATION)
    assert (explain.status, explain.completed_by, explain.submitted) == ("completed", "ent-tianhe", EXPLANATION)
    review = ready_task(session, instance.id)
    assert (review.spec_name, review.role, review.region_code) == ("county_review", "county_reviewer", "440106")


# --- list scoping ------------------------------------------------------------------------------


@pytest.fixture
def spread(session: Session) -> dict[str, HumanTask]:
    """Waiting tasks across regions: explain and county steps in Guangzhou, city steps in two cities."""
    tianhe = start_anomaly(session, business_key="tianhe")
    baiyun = start_anomaly(session, region_code="440111", enterprise_code=ENTERPRISE_BAIYUN, business_key="baiyun")
    tianhe_city = start_anomaly(session, business_key="tianhe-city")
    futian_city = start_anomaly(session, region_code=FUTIAN, enterprise_code=ENTERPRISE_FUTIAN, business_key="futian")
    tianhe_county = start_anomaly(session, business_key="tianhe-county")
    return {
        "tianhe_explain": ready_task(session, tianhe.id),
        "baiyun_explain": ready_task(session, baiyun.id),
        "tianhe_county": advance_to(session, tianhe_county, "county_review"),
        "tianhe_city": advance_to(session, tianhe_city, "city_review"),
        "futian_city": advance_to(session, futian_city, "city_review"),
    }


def ids(spread: dict[str, HumanTask], *names: str) -> set[str]:
    return {spread[name].id for name in names}


def test_county_sees_its_own_county_only(session: Session, spread: dict[str, HumanTask]) -> None:
    assert visible_ids(session, COUNTY_TIANHE) == ids(spread, "tianhe_county")
    assert visible_ids(session, COUNTY_BAIYUN) == set()


def test_city_sees_city_steps_in_its_counties_only(session: Session, spread: dict[str, HumanTask]) -> None:
    assert visible_ids(session, CITY_GZ) == ids(spread, "tianhe_city")
    assert visible_ids(session, CITY_SZ) == ids(spread, "futian_city")


def test_province_sees_its_steps_across_the_province(session: Session, spread: dict[str, HumanTask]) -> None:
    tianhe = advance_to(session, instance_of(session, spread["tianhe_city"]), "province_review")
    futian = advance_to(session, instance_of(session, spread["futian_city"]), "province_review")
    assert visible_ids(session, PROVINCE) == {tianhe.id, futian.id}


def test_enterprise_sees_its_own_credit_code_only(session: Session, spread: dict[str, HumanTask]) -> None:
    assert visible_ids(session, ENT_TIANHE) == ids(spread, "tianhe_explain")
    assert visible_ids(session, ENT_BAIYUN) == ids(spread, "baiyun_explain")


def test_enterprise_without_credit_code_sees_nothing(session: Session, spread: dict[str, HumanTask]) -> None:
    nameless = Actor("ent-nameless", frozenset({Role.ENTERPRISE}), "440106")
    assert visible_ids(session, nameless) == set()


def test_admin_sees_everything(session: Session, spread: dict[str, HumanTask]) -> None:
    assert visible_ids(session, ADMIN) == ids(spread, *spread)


# --- get and work ------------------------------------------------------------------------------


def test_task_of_another_county_is_not_found(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    assert tasks.get_task(session, COUNTY_TIANHE, review.id).id == review.id
    with pytest.raises(TaskNotFound):
        tasks.get_task(session, COUNTY_BAIYUN, review.id)
    with pytest.raises(TaskNotFound):
        tasks.complete(session, COUNTY_BAIYUN, review.id, {"decision": "accept"})
    assert review.status == TaskStatus.READY


@pytest.mark.parametrize("guess", ["7f4c1c2e-9a41-4d0b-8f7e-1d2c3b4a5e6f", "1", "", "x" * 37, "' OR 1=1 --"])
def test_guessed_task_id_is_not_found(session: Session, guess: str) -> None:
    start_anomaly(session)
    with pytest.raises(TaskNotFound):
        tasks.get_task(session, ADMIN, guess)


def test_admin_sees_but_may_not_work_a_county_step(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    assert tasks.get_task(session, ADMIN, review.id).id == review.id
    with pytest.raises(NotAllowed):
        tasks.complete(session, ADMIN, review.id, {"decision": "accept"})
    with pytest.raises(NotAllowed):
        tasks.claim(session, ADMIN, review.id)
    assert ready_task(session, review.instance_id).id == review.id


def test_admin_holding_the_role_may_work_the_step(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    admin_reviewer = Actor("admin-440106", frozenset({Role.ADMIN, Role.COUNTY_REVIEWER}), "440106")
    tasks.complete(session, admin_reviewer, review.id, {"decision": "accept"})
    assert review.completed_by == "admin-440106"


def test_enterprise_cannot_reach_a_county_step(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    with pytest.raises(TaskNotFound):
        tasks.complete(session, ENT_TIANHE, review.id, {"decision": "accept"})


def test_completing_twice_is_a_conflict(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    tasks.complete(session, COUNTY_TIANHE, review.id, {"decision": "accept"})
    with pytest.raises(Conflict, match="already completed"):
        tasks.complete(session, COUNTY_TIANHE, review.id, {"decision": "accept"})


def test_invalid_form_names_the_fields_and_changes_nothing(session: Session) -> None:
    instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    with pytest.raises(InvalidForm) as caught:
        tasks.complete(session, ENT_TIANHE, explain.id, {"reason": "aliens", "extra": 1})
    assert set(caught.value.fields) == {"reason", "description", "extra"}
    assert ready_task(session, instance.id).id == explain.id
    assert explain.status == TaskStatus.READY


def test_return_needs_an_opinion(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    with pytest.raises(InvalidForm) as caught:
        tasks.complete(session, COUNTY_TIANHE, review.id, {"decision": "return"})
    assert list(caught.value.fields) == ["opinion"]


# --- claims ------------------------------------------------------------------------------------


def test_claim_and_unclaim(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    tasks.claim(session, COUNTY_TIANHE, review.id)
    assert review.claimed_by == "county-440106" and review.claimed_at is not None
    tasks.claim(session, COUNTY_TIANHE, review.id)  # claiming one's own task again is harmless
    tasks.unclaim(session, COUNTY_TIANHE, review.id)
    assert (review.claimed_by, review.claimed_at) == (None, None)
    with pytest.raises(Conflict, match="not claimed"):
        tasks.unclaim(session, COUNTY_TIANHE, review.id)


def test_claimed_task_is_held_against_colleagues(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    tasks.claim(session, COUNTY_TIANHE, review.id)
    with pytest.raises(Conflict, match="claimed by county-440106"):
        tasks.claim(session, COUNTY_TIANHE_2, review.id)
    with pytest.raises(Conflict, match="claimed by county-440106"):
        tasks.complete(session, COUNTY_TIANHE_2, review.id, {"decision": "accept"})
    with pytest.raises(NotAllowed):
        tasks.unclaim(session, COUNTY_TIANHE_2, review.id)
    assert (review.status, review.claimed_by) == (TaskStatus.READY, "county-440106")


def test_admin_may_release_a_claim_for_a_colleague(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    tasks.claim(session, COUNTY_TIANHE, review.id)
    tasks.unclaim(session, ADMIN, review.id)
    tasks.complete(session, COUNTY_TIANHE_2, review.id, {"decision": "accept"})
    assert review.completed_by == "county-440106-b"


def test_claim_of_a_finished_task_is_a_conflict(session: Session) -> None:
    review = advance_to(session, start_anomaly(session), "county_review")
    tasks.complete(session, COUNTY_TIANHE, review.id, {"decision": "accept"})
    with pytest.raises(Conflict):
        tasks.claim(session, COUNTY_TIANHE, review.id)


# --- versions and admin operations -------------------------------------------------------------


def test_expected_version_must_match(session: Session) -> None:
    instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    with pytest.raises(PreconditionFailed, match=f"version {instance.version}"):
        tasks.complete(session, ENT_TIANHE, explain.id, EXPLANATION, expected_version=instance.version - 1)
    seen = instance.version
    tasks.complete(session, ENT_TIANHE, explain.id, EXPLANATION, expected_version=seen)
    assert instance.version > seen


def test_suspended_instance_refuses_work_until_resumed(session: Session) -> None:
    instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    instances.suspend(session, ADMIN, instance.id, "核查中")
    with pytest.raises(Conflict, match="suspended"):
        tasks.complete(session, ENT_TIANHE, explain.id, EXPLANATION)
    with pytest.raises(Conflict):
        instances.suspend(session, ADMIN, instance.id)
    instances.resume(session, ADMIN, instance.id)
    tasks.complete(session, ENT_TIANHE, explain.id, EXPLANATION)
    assert ready_task(session, instance.id).spec_name == "county_review"


def test_terminate_cancels_ready_tasks(session: Session) -> None:
    instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    instances.terminate(session, ADMIN, instance.id, "重复记录")
    assert (instance.status, explain.status) == (InstanceStatus.TERMINATED, TaskStatus.CANCELLED)
    assert instance.ended_at is not None and instance.next_timer_at is None
    assert visible_ids(session, ENT_TIANHE) == set()
    with pytest.raises(Conflict):
        tasks.complete(session, ENT_TIANHE, explain.id, EXPLANATION)
    with pytest.raises(Conflict):
        instances.resume(session, ADMIN, instance.id)


@pytest.mark.parametrize("operation", [instances.suspend, instances.resume, instances.terminate])
def test_only_admins_change_instance_status(session: Session, operation: object) -> None:
    instance = start_anomaly(session)
    with pytest.raises(NotAllowed):
        operation(session, PROVINCE, instance.id)  # type: ignore[operator]
    assert instance.status == InstanceStatus.RUNNING


# --- routing -----------------------------------------------------------------------------------


def test_county_return_creates_a_new_explain_task(session: Session) -> None:
    instance = start_anomaly(session)
    first = ready_task(session, instance.id)
    review = advance_to(session, instance, "county_review")
    tasks.complete(session, COUNTY_TIANHE, review.id, RETURN)
    again = ready_task(session, instance.id)
    assert again.spec_name == "explain" and again.id != first.id
    assert (review.outcome, review.opinion) == ("return", "请补充停产证明")
    assert first.status == TaskStatus.COMPLETED


def test_third_return_escalates_to_city(session: Session) -> None:
    instance = start_anomaly(session)
    for _ in range(2):  # max_return_rounds = 2 in anomaly_closure.config.json
        tasks.complete(session, COUNTY_TIANHE, advance_to(session, instance, "county_review").id, RETURN)
        assert ready_task(session, instance.id).spec_name == "explain"
    tasks.complete(session, COUNTY_TIANHE, advance_to(session, instance, "county_review").id, RETURN)
    city = ready_task(session, instance.id)
    assert (city.spec_name, city.role) == ("city_review", "city_reviewer")
    assert tasks.get_task(session, CITY_GZ, city.id).id == city.id
    explains = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.spec_name == "explain")).all()
    assert len(explains) == 3 and len({t.id for t in explains}) == 3


def test_refer_ends_the_instance_at_end_referred(session: Session) -> None:
    instance = start_anomaly(session)
    review = advance_to(session, instance, "county_review")
    tasks.complete(session, COUNTY_TIANHE, review.id, {"decision": "refer", "opinion": "涉嫌篡改数据"})
    assert instance.status == InstanceStatus.COMPLETED and instance.ended_at is not None
    assert ready_tasks(session, instance.id) == []
    steps = completed_steps(session, instance)
    assert "end_referred" in steps and "end_closed" not in steps


# --- list paging and filters -------------------------------------------------------------------


@pytest.fixture
def three_explains(session: Session) -> list[HumanTask]:
    started = [
        start_anomaly(session, business_key="a"),
        start_anomaly(session, business_key="b"),
        start_anomaly(session, region_code="440111", enterprise_code=ENTERPRISE_BAIYUN, business_key="c"),
    ]
    return [ready_task(session, instance.id) for instance in started]


def test_list_pages(session: Session, three_explains: list[HumanTask]) -> None:
    first = tasks.list_tasks(session, ADMIN, TaskQuery(per_page=2, page=1))
    second = tasks.list_tasks(session, ADMIN, TaskQuery(per_page=2, page=2))
    beyond = tasks.list_tasks(session, ADMIN, TaskQuery(per_page=2, page=3))
    assert (first.total, len(first.items), len(second.items), beyond.items) == (3, 2, 1, [])
    assert {t.id for t in first.items + second.items} == {t.id for t in three_explains}
    due = [t.due_at for t in first.items + second.items if t.due_at is not None]
    assert len(due) == 3 and due == sorted(due)  # soonest due first


def test_list_clamps_paging(session: Session, three_explains: list[HumanTask]) -> None:
    page = tasks.list_tasks(session, ADMIN, TaskQuery(per_page=10_000, page=0))
    assert (page.page, page.per_page, page.total, len(page.items)) == (1, 200, 3, 3)
    assert tasks.list_tasks(session, ADMIN, TaskQuery(per_page=0)).per_page == 1


def test_list_filters(session: Session, three_explains: list[HumanTask]) -> None:
    a, b, c = (t.id for t in three_explains)
    assert visible_ids(session, ADMIN, region_code="440106") == {a, b}
    assert visible_ids(session, ADMIN, region_code="4401") == {a, b, c}
    assert visible_ids(session, ADMIN, enterprise_code=ENTERPRISE_BAIYUN) == {c}
    assert visible_ids(session, ADMIN, process_key="other") == set()
    assert visible_ids(session, ADMIN, overdue_at=utcnow() + timedelta(days=30)) == {a, b, c}  # 5 working days
    assert visible_ids(session, ADMIN, overdue_at=utcnow() + timedelta(days=4)) == set()
    tasks.complete(session, ENT_TIANHE, a, EXPLANATION)
    assert visible_ids(session, ADMIN, status=TaskStatus.COMPLETED) == {a}
    assert visible_ids(session, ADMIN, completed_by="ent-tianhe", status=None) == {a}
    assert a not in visible_ids(session, ADMIN)  # the default lists ready tasks only


def test_region_filter_does_not_widen_scope(session: Session, three_explains: list[HumanTask]) -> None:
    assert visible_ids(session, ENT_BAIYUN, region_code="440106") == set()


# --- audit -------------------------------------------------------------------------------------


def test_start_claim_complete_are_audited(session: Session) -> None:
    instance = start_anomaly(session, factor="w01018")
    review = advance_to(session, instance, "county_review")
    tasks.claim(session, COUNTY_TIANHE, review.id)
    tasks.complete(session, COUNTY_TIANHE, review.id, {"decision": "return", "opinion": "补充"})
    events = audit.instance_events(session, instance.id)
    assert [e.action for e in events] == ["instance.start", "task.complete", "task.claim", "task.complete"]
    start, explained, claim, returned = events
    assert (start.actor, start.task_id) == ("admin", None)
    assert start.payload["process"] == "anomaly_closure" and start.payload["version"] == 1
    assert start.payload["business_key"] == "anomaly-1" and start.payload["tasks"] == ["explain"]
    assert start.payload["data"]["factor"] == "w01018"
    assert (explained.actor, explained.payload["next"]) == ("worker", ["county_review"])
    assert (claim.actor, claim.task_id) == ("county-440106", review.id)
    assert (returned.actor, returned.task_id) == ("county-440106", review.id)
    assert returned.payload == {"step": "county_review", "outcome": "return", "opinion": "补充",
                                "data": {"decision": "return", "opinion": "补充"}, "next": ["explain"]}


def test_tax_client_sees_tax_reviews_but_no_other_instance(session: Session) -> None:
    tax = Actor("tax-client", frozenset({Role.TAX_CLIENT}))
    anomaly = start_anomaly(session)
    with pytest.raises(InstanceNotFound):
        instances.get(session, tax, anomaly.id)
    assert can_see_instance(tax, "440106", None, "tax_review")
    assert not can_see_instance(tax, "440106", None, "anomaly_closure")
    assert can_see_instance(tax, "440106", None)  # enterprise data (monitoring figures) stays province-wide
