"""Reports benchmark: the monthly figures for 7,000 points and a month of hourly data, against a naive aggregation.

A throw-away PostgreSQL database gets 1,000 enterprises across Guangdong's 21 cities with 7,000
points (two factors each) and one month (October 2026, 744 hours) of hourly records written
server-side with ``generate_series``: about 1 % of records missing everywhere, and the points of one
enterprise in twenty-five losing another 15 %, so those fall below the 90 % pass line. Then, in the same
run:

- ``figures``: :func:`engine.reports.figures.figures` for the province (rates summed in SQL per
  point, then per enterprise and city, plus every task/case/ticket figure);
- ``monthly xlsx`` and ``monthly pdf``: the whole 月报 files;
- ``naive``: every record of the month fetched into Python and summed per point in a dict,
  then the same per-enterprise and per-city roll-up; its counts are checked equal to the SQL ones.

Usage: ``python -m bench.reports [--points 7000] [--pg-url URL]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from bench.databases import DEFAULT_PG_URL, bench_database, machine
from engine import processes as bundled_processes
from engine.actors import Actor, Role
from engine.db import make_engine
from engine.monitoring import rates
from engine.monitoring.models import (
    Enterprise,
    Measurement,
    MonitoringPoint,
    PointFactor,
)
from engine.regions import region_tree
from engine.reports import builders, figures
from engine.reports.period import Period
from bench.timing import timed

CHINA = timezone(timedelta(hours=8))
MONTH = date(2026, 10, 1)
NOW = datetime(2026, 11, 5, tzinfo=CHINA)
PROVINCE = Actor("bench", frozenset({Role.PROVINCE_REVIEWER}), "440000")


def populate(session: Session, points: int) -> int:
    """Registry and a month of hourly records; returns the number of records written."""
    counties = [c.code for city in region_tree().cities() for c in region_tree().children(city.code)] or ["440106"]
    enterprises = max(1, points // 7)
    session.execute(insert(Enterprise), [
        {"credit_code": f"9144{n:014d}", "name": f"企业{n}", "region_code": counties[n % len(counties)],
         "industry": ("垃圾焚烧", "火力发电", "污水处理")[n % 3], "key_unit": True, "created_at": NOW}
        for n in range(enterprises)])
    ids = list(session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    session.execute(insert(MonitoringPoint), [
        {"enterprise_id": ids[n % len(ids)], "mn": f"MN{n:020d}", "name": f"排口{n}", "kind": "air",
         "password_hash": "x", "monitoring_since": datetime(2026, 1, 1, tzinfo=CHINA), "created_at": NOW,
         "rtd_interval_s": 30, "minute_interval_min": 10, "active": True, "outlet_code": ""}
        for n in range(points)])
    point_ids = list(session.scalars(select(MonitoringPoint.id)))
    session.execute(insert(PointFactor), [{"point_id": p, "code": c, "rule_params": {}}
                                          for p in point_ids for c in ("a21026", "a34013")])
    session.execute(text("SELECT setseed(0.42)"))
    result = session.execute(text("""
        INSERT INTO measurements (point_id, cn, data_time, factors, n_factors, n_valid, revision, received_at, delay_s)
        SELECT p.id, '2061', t, '{}'::jsonb, 2, CASE WHEN random() < 0.02 THEN 1 ELSE 2 END, 1,
               t + interval '70 minutes', 600
        FROM monitoring_points p
        CROSS JOIN generate_series(timestamptz '2026-10-01 00:00+08', timestamptz '2026-10-31 23:00+08',
                                   interval '1 hour') AS t
        WHERE random() > 0.01 AND NOT (p.enterprise_id % 25 = 0 AND random() < 0.15)"""))
    session.execute(text("ANALYZE measurements"))
    return int(result.rowcount)  # type: ignore[attr-defined]


def naive(session: Session) -> dict[str, tuple[int, int, int]]:
    """Every record of the month into Python, summed per point, then per city: (received, values, valid)."""
    start, end = rates.month_bounds(MONTH)
    per_point: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = session.execute(select(Measurement.point_id, Measurement.n_factors, Measurement.n_valid).where(
        Measurement.cn == "2061", Measurement.data_time >= start, Measurement.data_time < end))
    for point_id, n_factors, n_valid in rows:
        sums = per_point[point_id]
        sums[0] += 1
        sums[1] += n_factors
        sums[2] += n_valid
    city_of = dict(session.execute(select(MonitoringPoint.id, Enterprise.region_code).join(
        Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)).all())
    per_city: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for point_id, sums in per_point.items():
        total = per_city[city_of[point_id][:4] + "00"]
        for i in range(3):
            total[i] += sums[i]
    return {k: (v[0], v[1], v[2]) for k, v in per_city.items()}


def main(argv: Sequence[str] | None = None) -> int:
    bundled_processes.wire()
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=7000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    results: dict[str, float] = {}
    with bench_database("postgres", args.pg_url) as url:
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            records = timed("populate", results, lambda: populate(session, args.points))
        with Session(engine) as session:
            f = timed("figures", results, lambda: figures.figures(session, PROVINCE, Period(2026, 10), now=NOW))
            timed("monthly xlsx", results, lambda: builders.build(session, PROVINCE, "monthly", Period(2026, 10),
                                                                   now=NOW))
            timed("monthly pdf", results, lambda: builders.build(session, PROVINCE, "monthly_pdf", Period(2026, 10),
                                                                  now=NOW))
            slow = timed("naive", results, lambda: naive(session))
            session.rollback()
        engine.dispose()
    sql = {r.key: (r.counts.received, r.counts.values_received, r.counts.values_valid) for r in f.region_rates}
    assert sql == slow, "the SQL and the naive aggregation disagree"
    print(json.dumps({"points": args.points, "records": records, "cities": len(sql),
                      "enterprises_below_90": len(f.enterprises_below), "seconds": results,
                      "machine": machine(args.pg_url)}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
