"""The province's measurement data at full scale, written with COPY: registry, hourly, daily and minute records.

7,000 points (air and water, the factors and limits of :mod:`engine.monitoring.synthetic`) on 1,000
enterprises across Guangdong's counties. The values come from the same :class:`TrafficModel` the demo
and the simulator use: ``TEMPLATES`` simulated loggers per kind are run hour by hour over the period,
with their episodes (exceedances of 1–3 hours, stuck analysers, zero runs, gaps, maintenance flags);
each point replays one of them from its own starting hour, so the stored JSON, the flags, the gaps and
the exceedances have the sizes and frequencies of the simulator's traffic. On top of that about 1 % of
hours are missing everywhere and one enterprise in twenty-five loses another 15 % (those fall below the
90 % pass line). A daily record (CN 2031) is the day's noon hour's factors; minute records (CN 2051, every
10 minutes) repeat their hour's factors. Rows go through ``COPY … FROM STDIN`` in text format.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from engine.monitoring.codes import DAILY, HOURLY, MINUTE
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor
from engine.monitoring.rules import SETTING_DEFAULTS
from engine.monitoring.synthetic import FACTORS_BY_KIND, SimPoint, TrafficModel
from engine.regions import region_tree

CHINA = timezone(timedelta(hours=8))
TEMPLATES = 48  # simulated loggers per kind; each point replays one from its own offset
COLUMNS = "point_id, cn, data_time, factors, n_factors, n_valid, revision, qn, received_at, delay_s"
INVALID_FLAGS = frozenset(SETTING_DEFAULTS["validity"]["invalid_flags"])
CHUNK_ROWS = 20_000


@dataclass(frozen=True)
class Point:
    id: int
    kind: str
    template: int
    offset: int
    lossy: bool  # one enterprise in twenty-five loses another 15 % of its hours


@dataclass(frozen=True)
class Hour:
    """One simulated hour of a template: the stored JSON, or None for a gap."""

    factors: str | None
    n_factors: int
    n_valid: int


def register(session: Session, points: int, now: datetime) -> list[Point]:
    """Enterprises, points and their factors (with limits); returns the points with their replay settings."""
    tree = region_tree()
    counties = [c.code for city in tree.cities() for c in tree.children(city.code)]
    enterprises = max(1, points // 7)
    session.execute(insert(Enterprise), [
        {"credit_code": f"9144{n:014d}", "name": f"企业{n}", "region_code": counties[n % len(counties)],
         "industry": ("垃圾焚烧", "火力发电", "污水处理")[n % 3], "key_unit": True, "created_at": now}
        for n in range(enterprises)])
    ids = list(session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    session.execute(insert(MonitoringPoint), [
        {"enterprise_id": ids[n % len(ids)], "mn": f"MN{n:020d}", "name": f"排口{n}", "kind": _kind(n),
         "password_hash": "x", "monitoring_since": datetime(2025, 1, 1, tzinfo=CHINA), "created_at": now,
         "rtd_interval_s": 30, "minute_interval_min": 10, "active": True, "outlet_code": ""}
        for n in range(points)])
    rows = session.execute(select(MonitoringPoint.id, MonitoringPoint.kind, MonitoringPoint.enterprise_id)
                           .order_by(MonitoringPoint.id)).all()
    session.execute(insert(PointFactor), [
        {"point_id": point_id, "code": p.spec.code, "name": p.spec.name, "unit": p.spec.unit,
         "upper_limit": p.spec.upper_limit, "lower_limit": p.spec.lower_limit, "range_upper": p.spec.range_upper,
         "rule_params": dict(p.spec.rule_params)}
        for point_id, kind, _ in rows for p in FACTORS_BY_KIND[kind]])
    rng = random.Random(7)
    return [Point(point_id, kind, n % TEMPLATES, rng.randrange(24 * 366), enterprise_id % 25 == 0)
            for n, (point_id, kind, enterprise_id) in enumerate(rows)]


def _kind(n: int) -> str:
    return "water" if n % 3 == 0 else "air"


def templates(hours: int, seed: int = 23) -> dict[str, list[list[Hour]]]:
    """``TEMPLATES`` simulated loggers per kind, ``hours`` hours each (the point offsets wrap around)."""
    model = TrafficModel(seed=seed, episode_rate=0.01)
    start = datetime(2026, 1, 1, tzinfo=CHINA)
    found: dict[str, list[list[Hour]]] = {}
    for kind in FACTORS_BY_KIND:
        found[kind] = []
        for number in range(TEMPLATES):
            logger = SimPoint(f"T{kind}{number}", kind)
            found[kind].append([_hour(model.hourly(logger, start + timedelta(hours=h))) for h in range(hours)])
    return found


def _hour(factors: dict[str, dict[str, float | str]] | None) -> Hour:
    if factors is None:
        return Hour(None, 0, 0)
    valid = sum(1 for data in factors.values() if data.get("flag") not in INVALID_FLAGS)
    return Hour(json.dumps(factors, separators=(",", ":")), len(factors), valid)


def copy_rows(engine: Engine, table: str, lines: Iterator[str]) -> int:
    """COPY text-format lines into ``table``; returns the number of rows."""
    count = 0
    raw: Any = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
            chunk: list[str] = []
            for line in lines:
                chunk.append(line)
                if len(chunk) == CHUNK_ROWS:
                    copy.write("".join(chunk))
                    count += len(chunk)
                    chunk = []
            copy.write("".join(chunk))
            count += len(chunk)
        raw.commit()
    finally:
        raw.close()
    return count


def long_term_lines(points: list[Point], shapes: dict[str, list[list[Hour]]], start: datetime,
                    end: datetime, rng: random.Random) -> Iterator[str]:
    """Hourly records of every point for [start, end), and a daily record for each whole day."""
    hours = int((end - start) / timedelta(hours=1))
    for point in points:
        shape = shapes[point.kind][point.template]
        for h in range(hours):
            hour = shape[(point.offset + h) % len(shape)]
            if hour.factors is None or rng.random() < 0.01 or (point.lossy and rng.random() < 0.15):
                continue
            moment = start + timedelta(hours=h)
            yield _line(point.id, HOURLY, moment, hour, rng)
            if moment.astimezone(CHINA).hour == 12:
                yield _line(point.id, DAILY, moment - timedelta(hours=12), hour, rng)


def minute_lines(points: list[Point], shapes: dict[str, list[list[Hour]]], start: datetime,
                 end: datetime, rng: random.Random) -> Iterator[str]:
    """Minute records (every 10 minutes) of the given points for [start, end): their hour's factors."""
    hours = int((end - start) / timedelta(hours=1))
    for point in points:
        shape = shapes[point.kind][point.template]
        for h in range(hours):
            hour = shape[(point.offset + h) % len(shape)]
            if hour.factors is None:
                continue
            for minute in range(0, 60, 10):
                yield _line(point.id, MINUTE, start + timedelta(hours=h, minutes=minute), hour, rng)


def _line(point_id: int, cn: str, moment: datetime, hour: Hour, rng: random.Random) -> str:
    delay = rng.randint(30, 900) if rng.random() > 0.03 else rng.randint(3_600, 86_400)  # 3 % arrive late
    received = moment + timedelta(hours=1 if cn == HOURLY else 0, seconds=delay)
    return (f"{point_id}\t{cn}\t{moment.isoformat()}\t{hour.factors}\t{hour.n_factors}\t{hour.n_valid}\t1\t\\N\t"
            f"{received.isoformat()}\t{delay}\n")
