"""Replay benchmark: a month of the province's hourly data judged with a draft and with the current rules.

Run by hand (not a test)::

    .venv/bin/python -m bench.replay --points 1400 --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A throw-away PostgreSQL database gets ``--points`` monitoring points (the ingest benchmark's
registry: air and water alternately, two per enterprise, five or six factors with limits and
rule overrides, spread over Guangdong's counties) and one month (October 2026, 744 hours) of
their hourly records from :class:`engine.monitoring.synthetic.TrafficModel` (exceedances, stuck
analysers, zero runs, gaps, maintenance flags), written through the store's write path in
batches. The province has 7,000 points (5.2 M records a month); ``--points 1400`` is a fifth, and
the figures are extrapolated linearly to 7,000 points (the replay works point by point in chunks,
so its time grows with the records).

Then, in the same run:

- **replay**: :func:`engine.replay.replayer.replay` for the province with a draft that changes
  the constant-value window (6 → 4) and the sudden-change ratio (3.0 → 2.5), reading through
  :func:`engine.replay.runs.reading_session` (read-only transactions) — both sides judged, cases
  grouped, compared;
- **read only**: the same chunked reads of the month's records without judging (the database's share);
- **ceiling**: the in-process evaluation of both sides on ``--ceiling-points`` points' records
  already in memory (no database): the rate the replay cannot beat on one core.

Results, the machine and the load average go to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bench.databases import DEFAULT_PG_URL, bench_database, machine
from bench.ingest_setup import register_points
from engine import processes as bundled_processes
from engine.db import make_engine, make_session_factory
from engine.monitoring import rules, store
from engine.monitoring.codes import HOURLY
from engine.monitoring.registry import load_points
from engine.monitoring.synthetic import SimPoint, TrafficModel
from engine.replay import replayer
from engine.replay.judging import judge_point
from engine.replay.runs import reading_session
from engine.replay.spec import Period, Scope, check_draft

CHINA = timezone(timedelta(hours=8))
PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))
PROVINCE_POINTS = 7000
DRAFT = {"rules": {"constant": {"count": 4}, "sudden_change": {"ratio": 2.5}}}
TARGET_S = 60.0
HOUR = timedelta(hours=1)
INVALID = frozenset(rules.SETTING_DEFAULTS["validity"]["invalid_flags"])


def populate(factory: sessionmaker[Session], points: list[SimPoint], ids: dict[str, int]) -> int:
    """The month's hourly records of the points, hour by hour through ``store.write``; returns how many."""
    model = TrafficModel(seed=7, episode_rate=0.01)
    written = 0
    for hour in range(int((PERIOD.end - PERIOD.start) / HOUR)):
        slot = PERIOD.start + hour * HOUR
        rows = []
        for point in points:
            factors = model.hourly(point, slot)
            if factors is not None:
                rows.append(store.Row(ids[point.mn], HOURLY, slot, factors, len(factors),
                                      sum(1 for f in factors.values() if f.get("flag") not in INVALID), None,
                                      slot + HOUR + timedelta(minutes=3), 180))
        for offset in range(0, len(rows), 5000):
            with factory.begin() as session:
                store.write(session, rows[offset:offset + 5000])
        written += len(rows)
    return written


def _reader(factory: sessionmaker[Session]) -> Any:
    def read() -> AbstractContextManager[Session]:
        return reading_session(factory)
    return read


def read_only(factory: sessionmaker[Session]) -> int:
    """The replay's reads of the month, chunk by chunk, without judging; returns the rows read."""
    draft = _draft(factory)
    rows = 0
    with reading_session(factory) as session:
        context = replayer._load(session, draft, PERIOD, Scope("province", "440000"))
    for _, chunk in replayer._chunks(context.windows):
        with reading_session(factory) as session:
            rows += sum(len(s) for s in replayer._series(session, chunk, context, PERIOD).values())
    return rows


def ceiling(factory: sessionmaker[Session], sample: int) -> tuple[int, float]:
    """Both sides' evaluation of ``sample`` points' records held in memory: (records judged per side, seconds)."""
    draft = _draft(factory)
    with reading_session(factory) as session:
        context = replayer._load(session, draft, PERIOD, Scope("province", "440000"))
        windows = context.windows[:sample]
        series = replayer._series(session, windows, context, PERIOD)
    records = sum(1 for w in windows for t in series.get(w.id, {}) if PERIOD.start <= t < PERIOD.end)
    started = time.perf_counter()
    for window in windows:
        for side in (context.current, context.draft):
            judge_point(side, window, series.get(window.id, {}), PERIOD.start, PERIOD.end,
                        context.downtimes.get(window.id, []))
    return records, time.perf_counter() - started


def _draft(factory: sessionmaker[Session]) -> Any:
    with factory() as session:
        return check_draft(session, DRAFT, rules.load_book(session))


def main(argv: Sequence[str] | None = None) -> int:
    bundled_processes.wire()
    parser = argparse.ArgumentParser(prog="python -m bench.replay", description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1400)
    parser.add_argument("--ceiling-points", type=int, default=200)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    load = [os.getloadavg()]
    out: dict[str, Any] = {"points": args.points}
    with bench_database("postgres", args.pg_url) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        points = register_points(factory, args.points, PERIOD.start - timedelta(days=30))
        with factory() as session:
            ids = {mn: info.id for mn, info in load_points(session, rules.load_book(session)).items()}
        started = time.perf_counter()
        out["records"] = populate(factory, points, ids)
        out["populate_s"] = round(time.perf_counter() - started, 1)
        with factory.begin() as session:
            session.execute(text("ANALYZE measurements"))
        load.append(os.getloadavg())
        draft = _draft(factory)
        started = time.perf_counter()
        result = replayer.replay(_reader(factory), draft, PERIOD, Scope("province", "440000"), lambda d, t: None)
        replay_s = time.perf_counter() - started
        load.append(os.getloadavg())
        started = time.perf_counter()
        read_rows = read_only(factory)
        read_s = time.perf_counter() - started
        sample_records, sample_s = ceiling(factory, args.ceiling_points)
        load.append(os.getloadavg())
        engine.dispose()
    scale = PROVINCE_POINTS / args.points
    rate = out["records"] / replay_s
    out.update({
        "replay_s": round(replay_s, 1), "replay_records_per_s": round(rate),
        "read_only_s": round(read_s, 1), "read_rows": read_rows,
        "ceiling_records_per_s": round(sample_records / sample_s), "ceiling_sample_records": sample_records,
        "province_extrapolated": {"records": round(out["records"] * scale), "replay_s": round(replay_s * scale, 1),
                                  "read_only_s": round(read_s * scale, 1),
                                  "ceiling_s": round(out["records"] * scale / (sample_records / sample_s), 1),
                                  "target_s": TARGET_S, "met": replay_s * scale < TARGET_S},
        "findings": {side: result.summary[side]["findings"] for side in ("current", "draft")},
        "cases": {side: result.summary[side]["cases"] for side in ("current", "draft")},
        "load_average_1m": [round(item[0], 2) for item in load],
        "machine": machine(args.pg_url),
        "at": datetime.now(timezone.utc).isoformat(timespec="minutes"),
    })
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
