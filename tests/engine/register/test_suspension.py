"""A point suspended in the register (停运/检修 报备) produces no missing-data task and is a legitimate gap in the rates."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.monitoring.models import Anomaly, AnomalyCase
from engine.anomalies import cases
from engine.monitoring import missing, rates
from engine.register import imports
from tests.engine.monitoring.factories import AIR_MN, BASE, PASSWORD, air, ingestor
from tests.engine.register.samples import CODE_A, enterprise_row, point_row, register_file
from tests.support.actors import ADMIN

AIR_FACTORS = "a21026|mg/m³|35；a34013|mg/m³|10；a01012|°C"
NOW = BASE + timedelta(hours=8, minutes=30)  # hourly slots 0..6 are past their deadline


def _import(session: Session, suspensions: str) -> None:
    point = {**point_row(AIR_MN, CODE_A, AIR_FACTORS, password=PASSWORD), "启用时间": "2026-11-20 08:00",
             "停运检修报备": suspensions}
    data = register_file([enterprise_row(CODE_A, "天河热电有限公司", "440106", lists="2026:大气")], [point])
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, data, "r.xlsx"))


def test_suspended_slots_open_no_missing_data_task(session: Session) -> None:
    _import(session, "检修:2026-11-20 10:00~2026-11-20 14:00")
    ingestor().ingest(session, [air(0), air(1), air(6)])

    assert missing.check_missing(session, NOW) == 0
    cases.open_pending(session)
    assert session.scalar(select(func.count()).select_from(AnomalyCase)) == 0

    _import(session, "")  # the filing withdrawn: the same slots are missing now
    assert missing.check_missing(session, NOW) == 4
    assert {a.period_start for a in session.scalars(select(Anomaly))} == {
        BASE + timedelta(hours=hour) for hour in (2, 3, 4, 5)}


def test_suspended_slots_leave_the_rates_denominator(session: Session) -> None:
    _import(session, "停运:2026-11-20 10:00~2026-11-20 14:00")
    ingestor().ingest(session, [air(hour) for hour in (0, 1, 6, 7, 8, 9)], received_at=BASE + timedelta(hours=10))
    row = {r.key: r for r in rates.point_rates(session, date(2026, 11, 1), now=BASE + timedelta(hours=10))}[AIR_MN]
    assert (row.counts.expected, row.counts.received) == (6, 6)
    assert row.transmission == 1.0


def test_a_stopped_point_is_not_expected_after_its_stop_date(session: Session) -> None:
    point = {**point_row(AIR_MN, CODE_A, AIR_FACTORS, password=PASSWORD), "启用时间": "2026-11-20 08:00",
             "停用时间": "2026-11-20 11:00", "停运检修报备": ""}
    data = register_file([enterprise_row(CODE_A, "天河热电有限公司", "440106")], [point])
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, data, "r.xlsx"))
    ingestor().ingest(session, [air(0)])
    assert missing.check_missing(session, NOW) == 0  # stopped (停用) before today: no longer active
    row = {r.key: r for r in rates.point_rates(session, date(2026, 11, 1), now=NOW)}[AIR_MN]
    assert (row.counts.expected, row.counts.received) == (3, 0)  # 08:00–10:00; a stopped point's packets are refused
