"""Set-up for the ingest benchmark: a registry of N points (bulk inserts), their traffic as bytes, a day of data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from engine.db import table_of
from engine.demo.monitoring import credit_code
from engine.monitoring.codes import HOURLY
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor
from engine.monitoring.passwords import hash_password
from engine.monitoring.records import MeasurementRecord
from engine.monitoring.synthetic import FACTORS_BY_KIND, SimPoint, TrafficModel, demo_mn
from engine.regions import RegionLevel, region_tree
from integrations.hj212.builder import build_packet
from integrations.hj212.packet import FactorValues
from integrations.hj212.times import make_qn

PASSWORD = "123456"
POINTS_PER_ENTERPRISE = 2
HOUR = timedelta(hours=1)


def counties() -> list[str]:
    return [region.code for region in region_tree().cities() for region in region_tree().children(region.code)
            if region.level is RegionLevel.COUNTY]


def register_points(factory: sessionmaker[Session], count: int, since: datetime) -> list[SimPoint]:
    """``count`` points (air and water alternately, two per enterprise) with six or five factors each."""
    places = counties()
    password_hash = hash_password(PASSWORD)
    enterprises = [{"credit_code": credit_code(places[n % len(places)], n + 1), "name": f"基准企业{n}",
                    "region_code": places[n % len(places)], "industry": "bench", "key_unit": n % 3 == 0,
                    "created_at": since} for n in range((count + 1) // POINTS_PER_ENTERPRISE)]
    points: list[SimPoint] = []
    with factory.begin() as session:
        session.execute(insert(table_of(Enterprise)), enterprises)
        ids = session.scalars(select(Enterprise.id).order_by(Enterprise.id)).all()
        rows = []
        for number in range(count):
            kind = "air" if number % 2 == 0 else "water"
            enterprise = number // POINTS_PER_ENTERPRISE
            mn = demo_mn(str(enterprises[enterprise]["region_code"]), enterprise, number % POINTS_PER_ENTERPRISE + 1)
            points.append(SimPoint(mn=mn, kind=kind, password=PASSWORD))
            rows.append({"enterprise_id": ids[enterprise], "mn": mn, "name": f"排口{number}", "outlet_code": "",
                         "kind": kind, "rtd_interval_s": 30, "minute_interval_min": 10, "password_hash": password_hash,
                         "active": True, "monitoring_since": since, "created_at": since})
        session.execute(insert(table_of(MonitoringPoint)), rows)
        point_ids = dict(session.execute(select(MonitoringPoint.mn, MonitoringPoint.id)).all())
        factors = [{"point_id": point_ids[p.mn], "code": f.spec.code, "name": f.spec.name, "unit": f.spec.unit,
                    "upper_limit": f.spec.upper_limit, "lower_limit": f.spec.lower_limit,
                    "range_upper": f.spec.range_upper, "range_lower": None, "rule_params": dict(f.spec.rule_params)}
                   for p in points for f in FACTORS_BY_KIND[p.kind]]
        session.execute(insert(table_of(PointFactor)), factors)
    return points


def hourly_records(points: Sequence[SimPoint], start: datetime, hours: int, *, seed: int = 1,
                   episode_rate: float = 0.01) -> list[MeasurementRecord]:
    """Hour by hour, every point's record (gaps left out), as the engine takes them."""
    model = TrafficModel(seed=seed, episode_rate=episode_rate)
    records = []
    for hour in range(hours):
        slot = start + hour * HOUR
        for point in points:
            factors = model.hourly(point, slot)
            if factors is not None:
                records.append(MeasurementRecord(point.mn, HOURLY, slot, factors, pw=point.password, st=point.st))
    return records


def frames(records: Sequence[MeasurementRecord], *, flag: int = 5) -> list[bytes]:
    """The records as HJ 212 frames (Flag 5: a reply is wanted)."""
    return [build_packet(st=r.st, cn=r.cn, pw=r.pw, mn=r.mn, qn=make_qn(r.data_time + HOUR) if r.data_time else None,
                         flag=flag, data_time=r.data_time,
                         values={code: FactorValues.from_attrs(dict(data)) for code, data in r.factors.items()},
                         ).encode() for r in records]
