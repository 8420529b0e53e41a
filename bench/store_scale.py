"""The measurement store at the province's full scale: sizes, insert rate, 月报, yearly rates, dashboard, purge.

Run by hand (not a test)::

    .venv/bin/python -m bench.store_scale --months 3 --minute-points 700 \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A throw-away PostgreSQL database (dropped afterwards) gets the registry of :mod:`bench.store_data` and
then, in two stages measured in the same run:

1. **a month**: July 2026's hourly and daily records (COPY) and a month of anomaly-closure cases
   (``--cases-per-month`` finished instances with their tasks and audit events, :mod:`bench.prefill`);
2. **the larger data**: ``--months`` months of records from July on and twelve months of cases.

At each stage: the 月报 figures for July (:func:`engine.reports.figures.figures`, the province), the
dashboard (:func:`engine.dashboard.figures.dashboard`) and two task lists
(:func:`engine.tasks.actions.list_tasks`) ``--repeat`` times each (p95). At the second stage also: the
yearly figures for 2026 (every month's rates, the year's tasks and cases), each month's
:func:`engine.monitoring.rates.point_rates`, the size of every monthly partition (table, TOAST, indexes)
and the COPY rate. Then two months of minute records (every 10 minutes) for ``--minute-points`` points,
their partitions' sizes, :func:`engine.monitoring.store.purge_minute_data` dropping the older month, and,
as the baseline in the same run, ``DELETE`` of the newer month's rows (what a row-by-row purge costs).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench import store_data, workload
from bench.databases import DEFAULT_PG_URL, bench_database, machine
from bench.engine import BENCH_ADMIN, _bundled_model, _prefill
from engine import processes as bundled_processes
from engine.actors import Actor, Role
from engine.dashboard.figures import dashboard
from engine.db import make_engine, make_session_factory
from engine.monitoring import rates, store
from engine.reports import figures
from engine.reports.period import Period
from engine.tasks.actions import TaskQuery, list_tasks
from engine.workflow import deployment

log = logging.getLogger("bench.store_scale")

CHINA = timezone(timedelta(hours=8))
FIRST = datetime(2026, 7, 1, tzinfo=CHINA)
NOW = datetime(2027, 1, 5, tzinfo=CHINA)  # every month of 2026 is over
PROVINCE = Actor("bench-province", frozenset({Role.PROVINCE_REVIEWER}), "440000")


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    bundled_processes.wire()
    args = _arguments(argv)
    results: dict[str, Any] = {"load average before": os.getloadavg()}
    with bench_database("postgres", args.pg_url) as url:
        engine = make_engine(url)
        try:
            _run(engine, args, results)
        finally:
            engine.dispose()
    results["load average after"] = os.getloadavg()
    results["machine"] = machine(args.pg_url)
    print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.store_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=7000)
    parser.add_argument("--months", type=int, default=3, help="months of hourly and daily records (from July 2026)")
    parser.add_argument("--minute-points", type=int, default=700, help="points given two months of minute data")
    parser.add_argument("--cases-per-month", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=20, help="calls per dashboard and task-list figure")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return parser.parse_args(argv)


def _run(engine: Engine, args: argparse.Namespace, results: dict[str, Any]) -> None:
    rng = random.Random(23)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        points = store_data.register(session, args.points, NOW)
        compiled, xml, forms = _bundled_model()
        model = deployment.deploy(session, BENCH_ADMIN, xml, forms)
    shapes = store_data.templates(24 * 62)
    pool = workload.enterprises(200, rng)
    copies: list[dict[str, Any]] = []
    copies.append(_copy_months(engine, points, shapes, FIRST, 1, rng))
    _prefill(engine, model, compiled, args.cases_per_month, pool, rng)
    results["a month of data, a month of cases"] = _measure(sessions, args.repeat, pool[0].county)
    _prefill(engine, model, compiled, args.cases_per_month * 11, pool, rng)
    results["a month of data, a year of cases"] = _measure(sessions, args.repeat, pool[0].county)
    copies.append(_copy_months(engine, points, shapes, _month(FIRST, 1), args.months - 1, rng))
    larger = results[f"{args.months} months of data, a year of cases"] = _measure(sessions, args.repeat,
                                                                                    pool[0].county)
    larger["yearly figures 2026 (s)"] = _seconds(lambda: _yearly(sessions))
    larger["point_rates per month (s)"] = _per_month_rates(sessions)
    results["copy"] = copies
    results["sizes"] = _sizes(engine, "measurements")
    results["minute"] = _minute(engine, sessions, points[:args.minute_points], shapes, rng)


def _month(start: datetime, months: int) -> datetime:
    year, month = start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1
    return datetime(year, month, 1, tzinfo=CHINA)


def _copy_months(engine: Engine, points: list[store_data.Point], shapes: Any, start: datetime, months: int,
                 rng: random.Random) -> dict[str, Any]:
    end = _month(start, months)
    began = time.perf_counter()
    rows = store_data.copy_rows(engine, "measurements", store_data.long_term_lines(points, shapes, start, end, rng))
    copied = time.perf_counter() - began
    vacuumed = _seconds(lambda: _vacuum(engine, "measurements"))
    log.info("copied %d hourly and daily rows %s..%s in %.1f s", rows, start.date(), end.date(), copied)
    return {"from": str(start.date()), "to": str(end.date()), "rows": rows, "seconds": round(copied, 1),
            "rows per second": round(rows / copied), "vacuum analyze s": vacuumed}


def _analyze(engine: Engine, table: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"ANALYZE {table}"))


def _vacuum(engine: Engine, table: str) -> None:
    """What autovacuum does to an insert-only partition: statistics and the visibility map (index-only scans)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE) {table}"))


def _measure(sessions: Any, repeat: int, county: Actor) -> dict[str, Any]:
    with sessions() as session:
        monthly = _seconds(lambda: figures.figures(session, PROVINCE, Period(2026, 7), now=NOW))
        session.rollback()
        found = {
            "load average": os.getloadavg(),
            "月报 figures July (s)": monthly,
            "dashboard p95 (ms)": _p95(repeat, lambda: dashboard(session, PROVINCE)),
            "task list, province, all statuses p95 (ms)": _p95(
                repeat, lambda: list_tasks(session, PROVINCE, TaskQuery(status=None))),
            "task list, county, all statuses p95 (ms)": _p95(
                repeat, lambda: list_tasks(session, county, TaskQuery(status=None))),
        }
        session.rollback()
    return found


def _yearly(sessions: Any) -> None:
    with sessions() as session:
        figures.figures(session, PROVINCE, Period(2026), now=NOW)
        session.rollback()


def _per_month_rates(sessions: Any) -> dict[str, float]:
    found = {}
    with sessions() as session:
        for number in range(12):
            month = _month(datetime(2026, 1, 1, tzinfo=CHINA), number).date()
            found[str(month)[:7]] = _seconds(lambda: rates.point_rates(session, month, now=NOW))
        session.rollback()
    return found


def _seconds(work: Callable[[], Any]) -> float:
    began = time.perf_counter()
    work()
    return round(time.perf_counter() - began, 2)


def _p95(repeat: int, work: Callable[[], Any]) -> dict[str, float]:
    work()  # warm the caches
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"median": round(statistics.median(times), 1), "p95": round(times[int(0.95 * (len(times) - 1))], 1)}


def _sizes(engine: Engine, table: str) -> list[dict[str, Any]]:
    """Every non-empty partition of ``table``: rows, heap, TOAST, indexes (bytes)."""
    query = text(
        "SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid), "
        "coalesce(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0), pg_indexes_size(c.oid) "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(:table AS regclass) AND pg_relation_size(c.oid) > 0 ORDER BY c.relname")
    with engine.connect() as connection:
        return [{"partition": name, "rows": rows, "table bytes": heap, "toast bytes": toast, "index bytes": indexes}
                for name, rows, heap, toast, indexes in connection.execute(query, {"table": table})]


def _minute(engine: Engine, sessions: Any, points: list[store_data.Point], shapes: Any,
            rng: random.Random) -> dict[str, Any]:
    august, september, october = (_month(FIRST, n) for n in (1, 2, 3))
    with sessions.begin() as session:
        store.purge_minute_data(session, realtime_before=august, minute_before=august)  # empty older months
    began = time.perf_counter()
    rows = store_data.copy_rows(engine, "minute_measurements",
                                store_data.minute_lines(points, shapes, august, october, rng))
    copied = time.perf_counter() - began
    _analyze(engine, "minute_measurements")
    found: dict[str, Any] = {"points": len(points), "rows": rows, "copy seconds": round(copied, 1),
                             "rows per second": round(rows / copied), "sizes": _sizes(engine, "minute_measurements")}
    with sessions.begin() as session:
        began = time.perf_counter()
        purged = store.purge_minute_data(session, realtime_before=september, minute_before=september)
    found["purge of August (drop partition) s"] = round(time.perf_counter() - began, 3)
    found["purge result"] = {"partitions dropped": purged.partitions_dropped, "rows deleted": purged.rows_deleted}
    with engine.begin() as connection:
        began = time.perf_counter()
        deleted = connection.execute(text("DELETE FROM minute_measurements WHERE data_time < :end"),
                                     {"end": october})
    found["baseline: DELETE of September's rows s"] = round(time.perf_counter() - began, 3)
    found["baseline rows deleted"] = int(getattr(deleted, "rowcount", 0) or 0)
    log.info("minute data: %s", found)
    return found


if __name__ == "__main__":
    sys.exit(main())
