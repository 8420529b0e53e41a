"""Who 转办/委派/抄送 may name: the task page's lists and the engine's refusals follow one rule."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.errors import InvalidInput
from engine.workflow.models import HumanTask, NoteKind, TaskNote
from engine.tasks import operations, actions as tasks
from engine.tasks import people as task_people
from engine.identity import local_users as users
from tests.engine.anomalies.test_walkthrough import ready_task, start_anomaly
from tests.support.actors import CITY_GZ, COUNTY_BAIYUN, COUNTY_TIANHE, ENT_TIANHE

COLLEAGUE = Actor("county-440106-b", frozenset({Role.COUNTY_REVIEWER}), "440106", display_name="天河同事")
PROVINCE = Actor("province-x", frozenset({Role.PROVINCE_REVIEWER}), "440000")
TAX = Actor("tax-gd-x", frozenset({Role.TAX_CLIENT}))


@pytest.fixture
def at_county(session: Session, deployed: dict[str, int]) -> HumanTask:
    for person in (COLLEAGUE, COUNTY_TIANHE, COUNTY_BAIYUN, CITY_GZ, PROVINCE, TAX):
        users.create(session, person.username, "password", [next(iter(person.roles))],
                     region_code=person.region_code, display_name=person.display_name)
    users.create(session, "ent-x", "password", [Role.ENTERPRISE], enterprise_code=ENT_TIANHE.enterprise_code)
    instance = start_anomaly(session)
    tasks.complete(session, ENT_TIANHE, ready_task(session, instance.id).id,
                   {"reason": "other", "description": "说明"})
    return ready_task(session, instance.id)


def names(people: list[tuple[str, str]]) -> set[str]:
    return {username for username, _ in people}


def test_transfer_offers_only_the_steps_role_in_scope(session: Session, at_county: HumanTask) -> None:
    offered = task_people.candidates(session, COUNTY_TIANHE, at_county)
    assert names(offered.transfer) == {COLLEAGUE.username}
    assert ("county-440106-b", "天河同事") in offered.transfer


def test_delegate_and_copy_offer_reviewers_of_the_case_never_machines(session: Session, at_county: HumanTask) -> None:
    offered = task_people.candidates(session, COUNTY_TIANHE, at_county)
    assert names(offered.delegate) == names(offered.copy) == {COLLEAGUE.username, CITY_GZ.username, PROVINCE.username}
    assert TAX.username not in names(offered.copy) | names(offered.transfer)


def test_the_engine_refuses_whoever_is_not_offered(session: Session, at_county: HumanTask) -> None:
    with pytest.raises(InvalidInput, match="不能转办给") as city:
        operations.transfer(session, COUNTY_TIANHE, None, at_county.id, CITY_GZ.username)
    assert "target" in city.value.fields
    with pytest.raises(InvalidInput, match="不能委派给"):
        operations.delegate(session, COUNTY_TIANHE, None, at_county.id, TAX.username)
    with pytest.raises(InvalidInput, match="不能抄送给"):
        operations.copy_to(session, COUNTY_TIANHE, None, at_county.id, [CITY_GZ.username, TAX.username])
    with pytest.raises(InvalidInput, match="不能委派给"):
        operations.delegate(session, COUNTY_TIANHE, None, at_county.id, "ent-x")
    with pytest.raises(InvalidInput, match="不存在"):
        operations.transfer(session, COUNTY_TIANHE, None, at_county.id, "nobody")
    assert at_county.delegated_to is None and at_county.assignee is None


def test_a_copy_grants_no_read_access_outside_the_permissions(session: Session, at_county: HumanTask) -> None:
    """A copy left from before the rule (or any stale one) does not show a closure case to the tax client."""
    session.add(TaskNote(task_id=at_county.id, instance_id=at_county.instance_id, kind=NoteKind.COPY.value,
                         author=COUNTY_TIANHE.username, target=TAX.username, body=""))
    operations.copy_to(session, COUNTY_TIANHE, None, at_county.id, [CITY_GZ.username])
    session.flush()
    assert operations.copies_for(session, TAX) == []
    assert [task.id for _, task in operations.copies_for(session, CITY_GZ)] == [at_county.id]
