"""涉税数据监查核实 (tax_data_verification) end to end: a finding → the county verifies → review feedback queued."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, NotAllowed, NotFound
from engine.exchange.datacheck import findings
from engine.exchange.datacheck.models import Finding, FindingStatus
from engine.exchange.datacheck.run import run_month
from engine.exchange.models import ExchangeRecord
from engine.workflow.models import TaskStatus
from tests.engine.exchange.datacheck.records import Records, credit_code
from tests.support.actors import ADMIN, CITY_GZ, COUNTY_BAIYUN, COUNTY_TIANHE, ENT_TIANHE
from tests.support.processes import TAX, actions, assert_refused, complete, ready, workday_deadline

pytestmark = pytest.mark.usefixtures("deployed")
MONTH = "2026-07"
ANSWER = {"conclusion": "confirmed", "verified_emission_kg": 1000.0, "opinion": "经核实，申报排放量偏低"}


def a_finding(session: Session, records: Records) -> Finding:
    enterprise = records.enterprise(credit_code(1))
    point = records.point(enterprise, "DA001")
    records.taxpayer(credit_code(1))
    records.tax_return(records.source(credit_code(1), "S-1", "DA001"), MONTH, 100.0)
    records.monitored(point, MONTH, 1000.0)
    run_month(session, ADMIN, MONTH, today=date(2026, 10, 16), refresh_figures=False)
    return session.scalars(select(Finding).where(Finding.rule == "declared_below_monitored")).one()


def test_the_county_verifies_and_the_conclusion_goes_to_the_tax_side(session: Session, records: Records) -> None:
    finding = a_finding(session, records)
    with pytest.raises(NotFound):
        findings.start_verification(session, COUNTY_BAIYUN, finding.id)
    with pytest.raises(NotAllowed):
        findings.start_verification(session, ENT_TIANHE, finding.id)
    instance = findings.start_verification(session, CITY_GZ, finding.id, note="请核实")
    assert (finding.status, finding.instance_id) == (FindingStatus.VERIFYING, instance.id)
    with pytest.raises(Conflict):
        findings.start_verification(session, CITY_GZ, finding.id)

    step = ready(session, instance.id, "county_verify")
    assert (step.role, step.region_code, step.kind) == ("county_reviewer", "440106", "declared_below_monitored")
    assert step.due_at == workday_deadline(session, 10)
    assert_refused(session, step, [CITY_GZ, COUNTY_BAIYUN, TAX, ENT_TIANHE], ANSWER)
    complete(session, COUNTY_TIANHE, instance.id, "county_verify", ANSWER)

    assert step.status == TaskStatus.COMPLETED and instance.status == "completed"
    assert (finding.status, finding.conclusion, finding.verified_by) == (
        FindingStatus.CONFIRMED, "confirmed", COUNTY_TIANHE.username)
    feedback = session.scalars(select(ExchangeRecord).where(ExchangeRecord.category == "review_feedback")).one()
    assert (feedback.direction, feedback.record_key, feedback.credit_code, feedback.period) == (
        "out", f"INS-{finding.id}", credit_code(1), MONTH)
    assert (feedback.payload["conclusion"], feedback.payload["opinion"], feedback.payload["reviewed_emission_kg"]) == (
        "confirmed", ANSWER["opinion"], 1000.0)
    assert actions(session, instance.id) == ["instance.start", "exchange.verification_start", "task.complete",
                                             "exchange.verification_answer"]


def test_a_dismissed_finding_and_a_finding_no_longer_open(session: Session, records: Records) -> None:
    finding = a_finding(session, records)
    instance = findings.start_verification(session, COUNTY_TIANHE, finding.id)
    complete(session, COUNTY_TIANHE, instance.id, "county_verify",
             {"conclusion": "dismissed", "opinion": "企业停产检修，监测数据含调试时段"})
    assert finding.status == FindingStatus.DISMISSED
    with pytest.raises(Conflict):
        findings.start_verification(session, COUNTY_TIANHE, finding.id)
    listed = findings.listing(session, COUNTY_TIANHE, findings.FindingFilter(status="dismissed"))
    assert [f.id for f in listed.items] == [finding.id]
    assert findings.listing(session, COUNTY_BAIYUN, findings.FindingFilter()).total == 0
