from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask, InstanceStatus, TaskStatus
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    COUNTY_TIANHE,
    ENT_TIANHE,
    ENTERPRISE_TIANHE,
    PROVINCE,
)


def start_anomaly(session: Session, **data: object):
    base = {"anomaly_type": "exceedance", "key_unit": True, "factor": "w01018", "point_mn": "MN0001"}
    base.update(data)
    return instances.start(session, ADMIN, StartRequest(
        process_key="anomaly_closure", region_code="440106", enterprise_code=ENTERPRISE_TIANHE,
        business_key="anomaly-1", subject="COD 超标", data=base))


def ready_task(session: Session, instance_id: int) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.READY)).one()


def test_exceedance_at_key_unit_goes_through_all_levels(session: Session, deployed: dict[str, int]) -> None:
    instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    assert (explain.spec_name, explain.role, explain.region_code) == ("explain", "enterprise", "440106")
    tasks.complete(session, ENT_TIANHE, explain.id, {"reason": "other", "description": "仪表漂移"})
    county = ready_task(session, instance.id)
    assert county.spec_name == "county_review"
    tasks.complete(session, COUNTY_TIANHE, county.id, {"decision": "accept"})
    city = ready_task(session, instance.id)
    tasks.complete(session, CITY_GZ, city.id, {"decision": "accept"})
    province = ready_task(session, instance.id)
    tasks.complete(session, PROVINCE, province.id, {"decision": "accept", "conclusion": "confirmed_exceedance"})
    session.refresh(instance)
    assert instance.status == InstanceStatus.COMPLETED
    done = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
    assert sorted(t.spec_name for t in done) == ["city_review", "county_review", "explain", "province_review"]
    assert all(t.status == TaskStatus.COMPLETED for t in done)
