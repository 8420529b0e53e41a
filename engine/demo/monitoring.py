"""Demo monitoring data: a province of ~50 enterprises with water and air points, and a day of history.

Called from :func:`engine.demo.bootstrap`. The register is loaded through the register's
own import from ``engine/data/demo_register_*.csv`` (the two demo enterprises of
``engine.demo.bootstrap`` are its first rows). The history (24 hourly records
per point, ending a day before the seeding hour) goes through the real ingest
path with a few anomalies planted, so closure tasks exist from the start;
``ecoloop simulate`` continues the traffic from there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from importlib import resources

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from engine.actors import Actor, Role
from engine.anomalies import cases
from engine.calendar.workdays import SHANGHAI
from engine.db import utcnow
from engine.monitoring.codes import HOURLY
from engine.monitoring.ingest import Ingestor
from engine.monitoring.models import Enterprise, PointFactor
from engine.monitoring.records import MeasurementRecord
from engine.monitoring.synthetic import FACTORS_BY_KIND, SimPoint, TrafficModel
from engine.register import files, imports

log = logging.getLogger(__name__)

OPERATOR = Actor("demo-seed", frozenset({Role.ADMIN}), "440000", display_name="演示数据")
DEMO_PASSWORD = "123456"
HISTORY_HOURS = 24
HISTORY_ENDS_HOURS_AGO = 24


def credit_code(region_code: str, number: int) -> str:
    """A valid unified social credit code for generated demo enterprise ``number``."""
    body = f"91{region_code}MA{number:07d}"
    return body + uscc.calc_check_digit(body)


def seed_monitoring(session: Session, *, now: datetime | None = None) -> None:
    """Import the demo province and ingest its history (idempotent: nothing happens when enterprises exist)."""
    if session.scalar(select(Enterprise.id).limit(1)) is not None:
        return
    now = now or utcnow()
    points = _register(session, now)
    _history(session, points, now)
    while cases.open_pending(session).handled:
        pass
    log.info("monitoring demo: %d points registered with %d hours of history", len(points), HISTORY_HOURS)


def _register(session: Session, now: datetime) -> list[SimPoint]:
    """The register's own import of ``engine/data/demo_register_*.csv``; blank 启用时间 become the history's start.

    The files are data (50 enterprises, 61 points, the two demo enterprises first); the rule
    overrides of the simulated factors (:data:`FACTORS_BY_KIND`) are set after the import.
    """
    since = now - timedelta(hours=HISTORY_HOURS + HISTORY_ENDS_HOURS_AGO + 1)
    data = resources.files("engine") / "data"
    enterprises = (data / "demo_register_enterprises.csv").read_bytes()
    point_rows = files.read((data / "demo_register_points.csv").read_bytes(), "demo_register_points.csv")
    start = since.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    points = files.write_csv(files.HEADERS[files.POINT], [{**r.cells, "启用时间": r.cells.get("启用时间") or start}
                                                          for r in point_rows])
    for name, content in (("enterprises.csv", enterprises), ("points.csv", points)):
        preview = imports.preview(session, OPERATOR, content, name)
        if preview.of(imports.REFUSED):
            raise ValueError(f"demo register row refused: {preview.of(imports.REFUSED)[0].reason}")
        imports.apply(session, OPERATOR, preview)
    for profiles in FACTORS_BY_KIND.values():
        for profile in profiles:
            if profile.spec.rule_params:
                session.execute(update(PointFactor).where(PointFactor.code == profile.spec.code).values(
                    rule_params=dict(profile.spec.rule_params)))
    return [SimPoint(mn=r.cells["MN"], kind="water" if r.cells["监测类别"] == "废水" else "air", password=DEMO_PASSWORD)
            for r in point_rows]


def _history(session: Session, points: list[SimPoint], now: datetime) -> None:
    """Ingest the hours before the last day through the ingest service, with a few episodes planted."""
    model = TrafficModel(seed=212, episode_rate=0.0)
    end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HISTORY_ENDS_HOURS_AGO)
    start = end - timedelta(hours=HISTORY_HOURS)
    planted = {0: ("exceedance", 6), 1: ("constant", 3), 2: ("exceedance", 12), 5: ("zero", 8), 9: ("flag", 15),
               14: ("exceedance", 18), 20: ("gap", 10)}
    ingestor = Ingestor()
    for hour in range(HISTORY_HOURS):
        slot = start + timedelta(hours=hour)
        records = []
        for number, point in enumerate(points):
            if planted.get(number, ("", -1))[1] == hour:
                model.start_episode(point, planted[number][0])
            factors = model.hourly(point, slot)
            if factors is not None:
                records.append(MeasurementRecord(point.mn, HOURLY, slot, factors, pw=point.password, st=point.st))
        ingestor.ingest(session, records, received_at=slot + timedelta(hours=1, minutes=3))
