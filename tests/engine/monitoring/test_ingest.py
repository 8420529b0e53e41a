"""Ingest on both backends: registry checks, idempotent storage, corrected resends, anomalies into tasks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.anomalies import cases
from engine.audit.models import AuditEvent
from engine.monitoring import store
from engine.monitoring.ingest import ingest_packets
from engine.monitoring.models import (
    Anomaly,
    AnomalyCase,
    Measurement,
    MeasurementRevision,
)
from engine.monitoring.records import MeasurementRecord, Outcome, Refusal
from engine.workflow.models import HumanTask, ProcessInstance
from tests.engine.monitoring.factories import (
    AIR_MN,
    BASE,
    air,
    ingestor,
    register,
    water,
)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def open_tasks(session: Session) -> cases.OpenReport:
    total = cases.OpenReport()
    while (report := cases.open_pending(session, now=BASE + timedelta(days=2))).handled:
        total.opened, total.joined = total.opened + report.opened, total.joined + report.joined
    return total


def start_data(session: Session, instance_id: int) -> dict:
    payload = session.scalar(select(AuditEvent.payload).where(
        AuditEvent.instance_id == instance_id, AuditEvent.action == "instance.start"))
    return payload["data"]


def test_registry_checks_refuse_with_reasons(session: Session) -> None:
    register(session)
    unknown = MeasurementRecord("NOPE", "2061", BASE, {}, pw="x")
    future = air(24 * 5)
    results = ingestor().ingest(session, [unknown, air(0, pw="wrong"), future, air(1, cn="2021")])
    assert [(r.outcome, r.reason) for r in results] == [
        (Outcome.REFUSED, "unknown_mn"), (Outcome.REFUSED, "wrong_password"),
        (Outcome.REFUSED, "future_datatime"), (Outcome.IGNORED, None)]
    assert count(session, Measurement) == 0


def test_duplicate_is_stored_once_and_resend_replaces_with_history(session: Session) -> None:
    register(session)
    ingest = ingestor()
    first = ingest.ingest(session, [air(0), air(0), water(0)])
    assert [r.outcome for r in first] == [Outcome.STORED, Outcome.DUPLICATE, Outcome.STORED]
    assert ingest.ingest(session, [air(0)])[0].outcome == Outcome.DUPLICATE
    assert ingest.ingest(session, [air(0, so2=21.5)])[0].outcome == Outcome.REPLACED
    assert count(session, Measurement) == 2
    revised = session.scalars(select(Measurement).where(Measurement.revision == 2)).one()
    assert revised.factors["a21026"]["avg"] == 21.5
    [old] = store.revisions(session, revised.point_id, "2061", BASE)
    assert (old.revision, old.factors["a21026"]["avg"]) == (1, 20.0)
    assert count(session, MeasurementRevision) == 1


def test_counters_for_rates_are_written_with_the_row(session: Session) -> None:
    register(session)
    ingestor().ingest(session, [air(0, dust=None, flags={"a01012": "M"}, extra={"a99999": {"avg": 1.0}})],
                      received_at=BASE + timedelta(hours=1, minutes=20))
    row = session.scalars(select(Measurement)).one()
    assert (row.n_factors, row.n_valid, row.delay_s) == (2, 1, 20 * 60)  # a99999 is not registered


def test_consecutive_exceedances_make_one_task_with_the_start_data(session: Session, deployed: dict) -> None:
    province = register(session)
    ingest = ingestor()
    results = ingest.ingest(session, [air(0, so2=40.0), air(1, so2=45.0)])
    assert results[0].anomalies == ["a21026:exceedance"]
    assert open_tasks(session).opened == 1
    ingest.ingest(session, [air(2, so2=50.0)])
    assert (open_tasks(session).opened, count(session, AnomalyCase)) == (0, 1)
    case = session.scalars(select(AnomalyCase)).one()
    assert (case.anomaly_count, case.period_start, case.period_end) == (3, BASE, BASE + timedelta(hours=3))
    instance = session.get(ProcessInstance, case.instance_id)
    assert (instance.enterprise_code, instance.region_code) == (province.enterprise.credit_code, "440106")
    data = start_data(session, instance.id)
    assert {k: data[k] for k in ("point_mn", "factor", "anomaly_type", "key_unit")} == {
        "point_mn": AIR_MN, "factor": "a21026", "anomaly_type": "exceedance", "key_unit": True}
    assert data["period"] == "2026-11-20T08:00:00+08:00/2026-11-20T09:00:00+08:00"
    assert [v["v"] for v in data["values"]] == [40.0]
    assert (data["value"], data["limit"], data["enterprise_name"]) == (40.0, 35.0, "天河热电")
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    assert (task.spec_name, task.enterprise_code) == ("explain", province.enterprise.credit_code)
    joins = session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.anomaly_join")).all()
    assert [e.instance_id for e in joins] == [instance.id, instance.id]


def test_a_second_anomaly_of_the_point_within_30_days_routes_as_repeated(session: Session, deployed: dict) -> None:
    register(session)
    ingest = ingestor()
    ingest.ingest(session, [air(0, so2=40.0), air(1), air(2, so2=40.0), air(3, dust=12.0)])
    assert open_tasks(session).opened == 3
    routed = session.execute(select(AnomalyCase.factor, AnomalyCase.period_start, AnomalyCase.routed_type)
                             .order_by(AnomalyCase.id)).all()
    assert [r.routed_type for r in routed] == ["exceedance", "repeated", "repeated"]
    again = session.scalars(select(AnomalyCase).where(AnomalyCase.routed_type == "repeated")).first()
    data = start_data(session, again.instance_id)
    assert (data["anomaly_type"], data["repeated"]) == ("exceedance", True)
    first = session.scalars(select(AnomalyCase).where(AnomalyCase.routed_type == "exceedance")).one()
    assert start_data(session, first.instance_id)["repeated"] is False


def test_resend_that_removes_the_anomaly_is_recorded_on_the_task(session: Session, deployed: dict) -> None:
    register(session)
    ingest = ingestor()
    ingest.ingest(session, [air(0, so2=40.0)])
    open_tasks(session)
    case = session.scalars(select(AnomalyCase)).one()
    assert ingest.ingest(session, [air(0, so2=30.0)])[0].outcome == Outcome.REPLACED
    anomaly = session.scalars(select(Anomaly)).one()
    assert (anomaly.cleared_reason, anomaly.pending) == ("resend", False) and anomaly.cleared_at is not None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.anomaly_cleared")).one()
    assert event.instance_id == case.instance_id and event.payload["all_cleared"] is True
    session.refresh(case)
    assert case.cleared_count == 1
    ingest.ingest(session, [air(0, so2=41.0)])  # and back: the anomaly counts again
    session.refresh(anomaly)
    assert anomaly.cleared_at is None


def test_factor_missing_from_an_hourly_packet(session: Session) -> None:
    register(session)
    results = ingestor().ingest(session, [water(0), air(0, dust=None)])
    assert results[1].anomalies == ["a34013:missing"]


def test_ingest_packets_with_an_injected_parser(session: Session) -> None:
    register(session)

    def parse(line: str) -> MeasurementRecord | Refusal:
        return air(int(line)) if line.isdigit() else Refusal("bad_frame", f"{line!r} is no frame")

    results = ingest_packets(session, ["0", "", "junk", "1"], parse=parse, ingestor=ingestor(),
                             open_tasks=cases.open_tasks_now)
    assert [r.as_json()["outcome"] for r in results] == ["stored", "refused", "stored"]
    assert results[1].reason == "bad_frame"
