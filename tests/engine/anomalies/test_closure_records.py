"""超标/异常数据闭环 (anomaly_closure): routing of repeated anomalies, send-backs at every level, conclusions
recorded on the anomaly case, referral records — with the task index and the audit trail at each step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.anomalies import closure as anomalies
from engine.anomalies.models import EnforcementReferral
from engine.db import utcnow
from engine.errors import InstanceNotFound, NotFound
from engine.instances.casework import local_year
from engine.monitoring.models import AnomalyCase, Enterprise, MonitoringPoint
from engine.workflow.models import ProcessInstance
from tests.support.actors import (
    CITY_GZ,
    CITY_SZ,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
    ENTERPRISE_TIANHE,
    PROVINCE,
)
from tests.support.flows import EXPLANATION, start_anomaly
from tests.support.processes import (
    TAX,
    actions,
    assert_refused,
    complete,
    history,
    ready,
    waiting_at,
)

pytestmark = pytest.mark.usefixtures("deployed")

ACCEPT = {"decision": "accept"}


def case_for(session: Session, instance: ProcessInstance) -> AnomalyCase:
    """The monitoring side's case row for an instance (as ``engine.anomalies.cases`` opens it)."""
    enterprise = Enterprise(credit_code=ENTERPRISE_TIANHE, name="广州天河环保热电有限公司", region_code="440106")
    session.add(enterprise)
    session.flush()
    point = MonitoringPoint(enterprise_id=enterprise.id, mn="44010600000000000000000001", name="1 号排口",
                            kind="air", password_hash="!")
    session.add(point)
    session.flush()
    start = utcnow() - timedelta(hours=2)
    case = AnomalyCase(point_id=point.id, factor="a21026", anomaly_type="exceedance", routed_type="exceedance",
                       period_start=start, period_end=start + timedelta(hours=1), instance_id=instance.id)
    session.add(case)
    session.flush()
    return case


@pytest.mark.parametrize("repeated, steps", [
    (True, ["explain", "county_review", "city_review"]),
    (False, ["explain", "county_review"]),
    ("yes", ["explain", "county_review"]),
], ids=["repeated", "first-time", "not-a-boolean"])
def test_repeated_anomalies_go_to_the_city(session: Session, repeated: object, steps: list[str]) -> None:
    instance = start_anomaly(session, anomaly_type="constant", key_unit=False, repeated=repeated)
    complete(session, ENT_TIANHE, instance.id, "explain", EXPLANATION)
    complete(session, COUNTY_TIANHE, instance.id, "county_review", ACCEPT)
    if "city_review" in steps:
        city = ready(session, instance.id, "city_review")
        assert (city.role, city.region_code) == ("city_reviewer", "440106")
        complete(session, CITY_GZ, instance.id, "city_review", ACCEPT)
    assert instance.status == "completed" and [s for s, _ in history(session, instance.id)] == steps
    assert anomalies.conclusion_of(session, COUNTY_TIANHE, instance.id) == "explanation_accepted"


def test_each_reviewer_sends_back_to_the_level_below(session: Session) -> None:
    instance = start_anomaly(session)
    case = case_for(session, instance)
    explain = ready(session, instance.id, "explain")
    assert_refused(session, explain, [ENT_BAIYUN, COUNTY_TIANHE, CITY_GZ, TAX], EXPLANATION)
    complete(session, ENT_TIANHE, instance.id, "explain", EXPLANATION)
    county = ready(session, instance.id, "county_review")
    assert_refused(session, county, [ENT_TIANHE, COUNTY_BAIYUN, CITY_GZ, PROVINCE], ACCEPT)
    complete(session, COUNTY_TIANHE, instance.id, "county_review", ACCEPT)
    city = ready(session, instance.id, "city_review")
    assert_refused(session, city, [COUNTY_TIANHE, CITY_SZ, PROVINCE, ENT_TIANHE], ACCEPT)
    complete(session, CITY_GZ, instance.id, "city_review", ACCEPT)
    province = ready(session, instance.id, "province_review")
    assert_refused(session, province, [CITY_GZ, COUNTY_TIANHE, ENT_TIANHE, TAX], ACCEPT)

    complete(session, PROVINCE, instance.id, "province_review", {"decision": "return", "opinion": "请地市复核排放量"})
    assert waiting_at(session, instance.id) == ["city_review"]
    complete(session, CITY_GZ, instance.id, "city_review", {"decision": "return", "opinion": "请区县核实"})
    assert waiting_at(session, instance.id) == ["county_review"]
    complete(session, COUNTY_TIANHE, instance.id, "county_review", {"decision": "return", "opinion": "请补充检修记录"})
    assert waiting_at(session, instance.id) == ["explain"]
    assert case.conclusion is None

    complete(session, ENT_TIANHE, instance.id, "explain", EXPLANATION)
    for actor, step in ((COUNTY_TIANHE, "county_review"), (CITY_GZ, "city_review")):
        complete(session, actor, instance.id, step, ACCEPT)
    complete(session, PROVINCE, instance.id, "province_review", {"decision": "accept",
                                                                 "conclusion": "confirmed_exceedance"})
    assert instance.status == "completed"
    assert (case.conclusion, case.closed_at is not None) == ("confirmed_exceedance", True)
    assert [s for s, _ in history(session, instance.id)] == [
        "explain", "county_review", "city_review", "province_review", "city_review", "county_review", "explain",
        "county_review", "city_review", "province_review"]
    assert actions(session, instance.id)[-2:] == ["task.complete", "anomaly.conclude"]
    assert anomalies.conclusion_of(session, ENT_TIANHE, instance.id) == "confirmed_exceedance"


def test_referral_closes_the_loop_with_a_referral_record(session: Session) -> None:
    instance = start_anomaly(session)
    case = case_for(session, instance)
    complete(session, ENT_TIANHE, instance.id, "explain", EXPLANATION)
    complete(session, COUNTY_TIANHE, instance.id, "county_review", {"decision": "refer", "opinion": "涉嫌篡改数据"})
    assert instance.status == "completed" and waiting_at(session, instance.id) == []
    referral = anomalies.referral_of(session, CITY_GZ, instance.id)
    assert referral.reference_no == f"YJZF-440106-{local_year()}-0001"
    assert (referral.opinion, referral.referred_by, referral.anomaly_case_id) == (
        "涉嫌篡改数据", COUNTY_TIANHE.username, case.id)
    assert case.conclusion == "referred"
    assert actions(session, instance.id)[-3:] == ["task.complete", "anomaly.conclude", "anomaly.refer"]
    with pytest.raises(InstanceNotFound):
        anomalies.referral_of(session, COUNTY_BAIYUN, instance.id)

    second = start_anomaly(session, business_key="anomaly-2")
    complete(session, ENT_TIANHE, second.id, "explain", EXPLANATION)
    complete(session, COUNTY_TIANHE, second.id, "county_review", {"decision": "refer", "opinion": "二次超标"})
    assert anomalies.referral_of(session, COUNTY_TIANHE, second.id).reference_no.endswith("-0002")
    assert anomalies.conclusion_of(session, COUNTY_TIANHE, second.id) == "referred"
    pending = start_anomaly(session, business_key="anomaly-3", anomaly_type="offline")
    with pytest.raises(NotFound, match="not referred"):
        anomalies.referral_of(session, COUNTY_TIANHE, pending.id)
    assert len(session.scalars(select(EnforcementReferral)).all()) == 2
