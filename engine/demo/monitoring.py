"""Demo monitoring data: a province of ~50 enterprises with water and air points, and a day of history.

Called from :func:`engine.demo.bootstrap`. The two demo enterprises of
``engine.demo.bootstrap`` are registered with points too. The history (24 hourly records
per point, ending a day before the seeding hour) goes through the real ingest
path with a few anomalies planted, so closure tasks exist from the start;
``ecoloop simulate`` continues the traffic from there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from engine.actors import Actor, Role
from engine.anomalies import cases
from engine.db import utcnow
from engine.monitoring import registry
from engine.monitoring.codes import HOURLY
from engine.monitoring.ingest import Ingestor
from engine.monitoring.models import Enterprise
from engine.monitoring.passwords import hash_password
from engine.monitoring.records import MeasurementRecord
from engine.monitoring.synthetic import FACTORS_BY_KIND, SimPoint, TrafficModel, demo_mn

log = logging.getLogger(__name__)

OPERATOR = Actor("demo-seed", frozenset({Role.ADMIN}), "440000", display_name="演示数据")
DEMO_PASSWORD = "123456"
HISTORY_HOURS = 24
HISTORY_ENDS_HOURS_AGO = 24

DISTRICTS: Sequence[tuple[str, str]] = (
    ("440106", "广州天河"), ("440111", "广州白云"), ("440113", "广州番禺"), ("440114", "广州花都"),
    ("440115", "广州南沙"), ("440306", "深圳宝安"), ("440307", "深圳龙岗"), ("440311", "深圳光明"),
    ("440604", "佛山禅城"), ("440605", "佛山南海"), ("440606", "佛山顺德"), ("441900", "东莞"),
    ("441302", "惠州惠城"), ("441322", "惠州博罗"), ("440402", "珠海香洲"), ("440705", "江门新会"),
)
INDUSTRIES: Sequence[tuple[str, str, tuple[str, ...]]] = (
    ("火力发电", "热电", ("air",)), ("污水处理", "水务", ("water",)), ("生活垃圾焚烧", "环保能源", ("air", "water")),
    ("造纸", "纸业", ("water", "air")), ("印染", "印染", ("water",)), ("电镀", "表面处理", ("water",)),
    ("水泥制造", "水泥", ("air",)), ("化学原料制造", "化工", ("water", "air")), ("制药", "药业", ("water",)),
    ("钢铁", "钢铁", ("air",)),
)
GENERATED = 48


def credit_code(region_code: str, number: int) -> str:
    """A valid unified social credit code for generated demo enterprise ``number``."""
    body = f"91{region_code}MA{number:07d}"
    return body + uscc.calc_check_digit(body)


def seed_monitoring(session: Session, demo_enterprises: Sequence[object], *, now: datetime | None = None) -> None:
    """Register the demo province and ingest its history (idempotent: nothing happens when enterprises exist)."""
    if session.scalar(select(Enterprise.id).limit(1)) is not None:
        return
    now = now or utcnow()
    points = _register(session, demo_enterprises, now)
    _history(session, points, now)
    while cases.open_pending(session).handled:
        pass
    log.info("monitoring demo: %d points registered with %d hours of history", len(points), HISTORY_HOURS)


def _register(session: Session, demo_enterprises: Sequence[object], now: datetime) -> list[SimPoint]:
    password_hash = hash_password(DEMO_PASSWORD)  # one derivation for every demo logger
    since = now - timedelta(hours=HISTORY_HOURS + HISTORY_ENDS_HOURS_AGO + 1)
    points: list[SimPoint] = []
    for number, (code, name, region, industry, kinds, key_unit) in enumerate(_enterprises(demo_enterprises)):
        enterprise = registry.register_enterprise(session, OPERATOR, credit_code=code, name=name,
                                                  region_code=region, industry=industry, key_unit=key_unit)
        for index, kind in enumerate(kinds, start=1):
            mn = demo_mn(region, number, index)
            outlet = f"{'DW' if kind == 'water' else 'DA'}{index:03d}"
            label = "废水总排口" if kind == "water" else "废气排放口"
            registry.register_point(
                session, OPERATOR, enterprise, mn=mn, name=f"{label}{index}", kind=kind, password=DEMO_PASSWORD,
                password_hash=password_hash, outlet_code=outlet, monitoring_since=since,
                factors=[profile.spec for profile in FACTORS_BY_KIND[kind]])
            points.append(SimPoint(mn=mn, kind=kind, password=DEMO_PASSWORD))
    return points


def _enterprises(demo_enterprises: Sequence[object]) -> list[tuple[str, str, str, str, tuple[str, ...], bool]]:
    found = [
        (getattr(e, "credit_code"), getattr(e, "name"), getattr(e, "region_code"), industry, kinds, key_unit)
        for e, (industry, kinds, key_unit) in zip(demo_enterprises,
                                                  (("火力发电", ("air", "water"), True), ("污水处理", ("water",), False)))
    ]
    for number in range(GENERATED):
        region, place = DISTRICTS[number % len(DISTRICTS)]
        industry, short, kinds = INDUSTRIES[number % len(INDUSTRIES)]
        found.append((credit_code(region, number + 1), f"{place}{short}{_ordinal(number)}有限公司", region, industry,
                      kinds[: 1 + number % len(kinds)], number % 5 in (0, 2)))
    return found


def _ordinal(number: int) -> str:
    return "" if number < len(DISTRICTS) else "第" + "一二三四五六七八九"[number // len(DISTRICTS) - 1] + "分公司"


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
