"""The missing-data rule (and late records clearing it) and the monthly rates with legitimate gaps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.anomalies import cases
from engine.evidence import library as evidence
from engine.evidence.filestore import LocalFileStore
from engine.monitoring import closures, missing, rates, rules
from engine.monitoring.models import Anomaly, AnomalyCase
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask, TaskStatus
from tests.engine.monitoring.factories import BASE, air, ingestor, register, water
from tests.support.actors import ADMIN, COUNTY_TIANHE, ENT_TIANHE
from tests.support.flows import pdf_stream

HOUR = timedelta(hours=1)


def test_missing_slots_past_the_deadline_and_a_late_record_clears_its_anomaly(session: Session) -> None:
    province = register(session, since=BASE)
    ingestor().ingest(session, [air(0), air(2), water(0), water(1), water(2)])
    now = BASE + timedelta(hours=4, minutes=30)  # slots 0..2 are past the 60-minute deadline, 3 is not
    assert missing.check_missing(session, now) == 1  # air hour 1, and nothing else
    assert missing.check_missing(session, now) == 0  # idempotent
    found = session.scalars(select(Anomaly)).all()
    assert [(a.point_id, a.factor, a.anomaly_type, a.period_start) for a in found] == [
        (province.air.id, "*", "missing", BASE + HOUR)]
    ingestor(now).ingest(session, [air(1)], received_at=now)
    [late] = found
    session.refresh(late)
    assert late.cleared_reason == "late_arrival" and late.cleared_at is not None


def test_missing_rule_skips_downtime_and_points_not_yet_monitored(session: Session) -> None:
    province = register(session, since=BASE + 2 * HOUR)
    closures.add_downtime(session, ADMIN, province.water.id, BASE, BASE + 10 * HOUR, "maintenance")
    assert missing.check_missing(session, BASE + timedelta(hours=4, minutes=30)) == 1  # air slot 2 only


def month_rates(session: Session, now: datetime) -> dict[str, rates.RateRow]:
    return {row.key: row for row in rates.point_rates(session, date(2026, 11, 1), now=now)}


def test_rates_follow_the_definitions(session: Session) -> None:
    province = register(session, since=BASE)
    on_time, late = BASE + timedelta(hours=1, minutes=10), BASE + timedelta(hours=9)
    ingest = ingestor()
    ingest.ingest(session, [air(0, flags={"a21026": "M"})], received_at=on_time)
    ingest.ingest(session, [air(1, dust=None), air(2), air(3)], received_at=late)
    row = month_rates(session, BASE + 10 * HOUR)[province.air.mn]
    counts = row.counts
    assert (counts.expected, counts.received) == (10, 4)
    assert row.transmission == 0.4
    assert row.validity == 10 / 11  # 11 registered values received, one flagged M
    assert row.effective == 0.4 * 10 / 11
    assert row.timeliness == 0.25  # only hour 0 arrived within 60 minutes of its end
    assert row.completeness == 11 / 12
    rules.update_rule(session, ADMIN, "rates", {"cn": "2061", "validity_denominator": "expected",
                                                 "timeliness_deadline_minutes": 600, "pass_line": 0.9})
    row = month_rates(session, BASE + 10 * HOUR)[province.air.mn]
    assert (row.validity, row.timeliness) == (10 / 30, 1.0)


def test_accepted_shutdown_explanation_excludes_its_slots(session: Session, deployed: dict, tmp_path: Path) -> None:
    province = register(session, since=BASE)
    ingestor().ingest(session, [water(hour, cod=0.0) for hour in range(4)])
    while cases.open_pending(session).handled:
        pass
    case = session.scalars(select(AnomalyCase)).one()
    assert (case.anomaly_type, case.period_start, case.period_end) == ("zero", BASE + 2 * HOUR, BASE + 4 * HOUR)
    before = month_rates(session, BASE + 6 * HOUR)[province.water.mn].counts
    explain_and_accept(session, case.instance_id, "shutdown", LocalFileStore(tmp_path / "evidence"))
    after = month_rates(session, BASE + 6 * HOUR)[province.water.mn].counts
    assert (before.expected, before.received) == (6, 4)
    assert (after.expected, after.received) == (4, 2)  # hours 2 and 3 leave both counts
    session.refresh(case)
    assert (case.reason, case.conclusion) == ("shutdown", "explanation_accepted")


def test_rejected_explanation_keeps_the_slots(session: Session, deployed: dict, tmp_path: Path) -> None:
    province = register(session, since=BASE)
    ingestor().ingest(session, [water(hour, cod=0.0) for hour in range(4)])
    while cases.open_pending(session).handled:
        pass
    case = session.scalars(select(AnomalyCase)).one()
    explain_and_accept(session, case.instance_id, "shutdown", LocalFileStore(tmp_path / "evidence"),
                       conclusion="confirmed_exceedance")
    assert month_rates(session, BASE + 6 * HOUR)[province.water.mn].counts.expected == 6


def explain_and_accept(session: Session, instance_id: int, reason: str, store: LocalFileStore,
                       conclusion: str = "explanation_accepted") -> None:
    attachment = evidence.upload(session, store, ENT_TIANHE, pdf_stream("stop"), "停产通知.pdf")
    tasks.complete(session, ENT_TIANHE, ready(session, instance_id).id,
                   {"reason": reason, "description": "计划停产", "evidence": [attachment.id]})
    tasks.complete(session, COUNTY_TIANHE, ready(session, instance_id).id,
                   {"decision": "accept", "conclusion": conclusion})


def ready(session: Session, instance_id: int) -> HumanTask:
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                   HumanTask.status == TaskStatus.READY)).one()


def test_a_periods_rates_in_one_pass_equal_the_sum_of_its_months(session: Session) -> None:
    """Two months' counters from one aggregation over both partitions are the months' counters added up."""
    province = register(session, since=BASE - timedelta(days=40))
    records = [air(hours, so2=20.0 + hours % 3) for hours in (-30 * 24, -30 * 24 + 1, -5, 0, 1, 2)]
    ingestor().ingest(session, records + [water(0), water(-30 * 24)])
    now = BASE + timedelta(days=20)
    october, november = date(2026, 10, 1), date(2026, 11, 1)
    start, end = rates.month_bounds(october)[0], rates.month_bounds(november)[1]
    both = {row.key: row.counts for row in rates.period_rates(session, start, end, now=now)}
    for key in both:
        summed = rates.Counts()
        for month in (october, november):
            summed.add(next(r.counts for r in rates.point_rates(session, month, now=now) if r.key == key))
        assert both[key] == summed
    assert both[province.air.mn].received == 6 and both[province.air.mn].expected > 24 * 30
