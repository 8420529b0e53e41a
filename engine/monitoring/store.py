"""The measurement store: idempotent batched writes, corrected resends with history, purge, partitions.

A packet received twice is stored once (``INSERT … ON CONFLICT DO NOTHING`` on
the natural key); a resend with different values replaces the row, bumps its
``revision`` and keeps the old version in ``measurement_revisions``. Existing
rows of a batch are read ``FOR UPDATE`` in key order, so two writers replacing
the same record serialize instead of both writing revision ``n``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Table, delete, insert, select, text, tuple_, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.db import is_postgres
from engine.monitoring.codes import MINUTE, REALTIME
from engine.monitoring.models import Measurement, MeasurementRevision, MinuteMeasurement
from engine.monitoring.records import LONG_TERM, Outcome
from engine.monitoring.sql import among

log = logging.getLogger(__name__)

CHINA = timezone(timedelta(hours=8))
MEASUREMENTS: Table = Measurement.__table__  # type: ignore[assignment]
MINUTE_MEASUREMENTS: Table = MinuteMeasurement.__table__  # type: ignore[assignment]
REVISIONS: Table = MeasurementRevision.__table__  # type: ignore[assignment]
PARTITIONED_TABLES = ("measurements", "minute_measurements")

Key = tuple[int, str, datetime]


@dataclass(slots=True)
class Row:
    """One record ready to store (the ingest service computes the counters)."""

    point_id: int
    cn: str
    data_time: datetime
    factors: dict[str, Any]
    n_factors: int
    n_valid: int
    qn: str | None
    received_at: datetime
    delay_s: int

    @property
    def key(self) -> Key:
        return (self.point_id, self.cn, self.data_time)

    def params(self) -> dict[str, Any]:
        return {"point_id": self.point_id, "cn": self.cn, "data_time": self.data_time, "factors": self.factors,
                "n_factors": self.n_factors, "n_valid": self.n_valid, "revision": 1, "qn": self.qn,
                "received_at": self.received_at, "delay_s": self.delay_s, "updated_at": None}


@dataclass(slots=True)
class Written:
    """What writing one row did; ``previous`` holds the replaced values."""

    outcome: Outcome
    revision: int
    previous: dict[str, Any] | None = None


def table_for(cn: str) -> Table:
    return MEASUREMENTS if cn in LONG_TERM else MINUTE_MEASUREMENTS


def write(session: Session, rows: Sequence[Row]) -> list[Written]:
    """Store rows; returns one :class:`Written` per row, in order.

    A key given twice in one batch is written in order, as if sent twice.
    """
    results: list[Written | None] = [None] * len(rows)
    for round_indexes in _rounds(rows):
        by_table: dict[str, list[int]] = {}
        for index in round_indexes:
            by_table.setdefault(table_for(rows[index].cn).name, []).append(index)
        for name, indexes in by_table.items():
            table = MEASUREMENTS if name == MEASUREMENTS.name else MINUTE_MEASUREMENTS
            for index, written in zip(indexes, _write_table(session, table, [rows[i] for i in indexes])):
                results[index] = written
    return [r for r in results if r is not None]


def _rounds(rows: Sequence[Row]) -> list[list[int]]:
    """Split indexes so no key repeats within a round (the usual batch is a single round)."""
    rounds: list[list[int]] = []
    seen: dict[Key, int] = {}
    for index, row in enumerate(rows):
        number = seen.get(row.key, -1) + 1
        seen[row.key] = number
        if number == len(rounds):
            rounds.append([])
        rounds[number].append(index)
    return rounds


def _write_table(session: Session, table: Table, rows: list[Row]) -> list[Written]:
    ordered = sorted(range(len(rows)), key=lambda i: rows[i].key)  # one lock order for every writer
    inserted = _insert_new(session, table, [rows[i] for i in ordered])
    conflicts = [rows[i] for i in ordered if rows[i].key not in inserted]
    existing = _lock_existing(session, table, conflicts)
    outcomes: dict[Key, Written] = {}
    for row in conflicts:
        outcomes[row.key] = _resolve(session, table, row, existing[row.key])
    return [outcomes.get(row.key) or Written(Outcome.STORED, 1) for row in rows]


_RECORDSET = ("point_id integer, cn varchar, data_time timestamptz, factors jsonb, n_factors smallint, "
              "n_valid smallint, qn varchar, received_at timestamptz, delay_s integer")
_RECORDSET_COLUMNS = "point_id, cn, data_time, factors, n_factors, n_valid, qn, received_at, delay_s"


def _insert_new(session: Session, table: Table, rows: list[Row]) -> set[Key]:
    """Insert the rows whose key is new; returns those keys."""
    if not rows:
        return set()
    if is_postgres(session):
        return _insert_new_postgres(session, table, rows)
    statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=["point_id", "cn", "data_time"]).returning(
        table.c.point_id, table.c.cn, table.c.data_time)
    result = session.execute(statement, [row.params() for row in rows])
    return {(r.point_id, r.cn, r.data_time) for r in result}


def _insert_new_postgres(session: Session, table: Table, rows: list[Row]) -> set[Key]:
    """One statement with the whole batch as one JSON parameter, read by ``jsonb_to_recordset``.

    A multi-row ``VALUES`` list has one parameter per value (11,000 for 1,000 rows),
    which the driver scans and binds every time; arrays of text need escaping per
    element. One JSON document is encoded by the C encoder and parsed by the server.
    """
    statement = text(
        f"INSERT INTO {table.name} ({_RECORDSET_COLUMNS}, revision) SELECT {_RECORDSET_COLUMNS}, 1 "
        f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({_RECORDSET}) "
        "ON CONFLICT (point_id, cn, data_time) DO NOTHING RETURNING point_id, cn, data_time")
    batch = json.dumps([{
        "point_id": row.point_id, "cn": row.cn, "data_time": row.data_time.isoformat(), "factors": row.factors,
        "n_factors": row.n_factors, "n_valid": row.n_valid, "qn": row.qn, "received_at": row.received_at.isoformat(),
        "delay_s": row.delay_s} for row in rows], ensure_ascii=False, separators=(",", ":"))
    inserted: Any = session.execute(statement, {"rows": batch})
    return {(point_id, cn, data_time) for point_id, cn, data_time in inserted}


def _lock_existing(session: Session, table: Table, rows: list[Row]) -> dict[Key, Any]:
    if not rows:
        return {}
    keys = [row.key for row in rows]
    query = (select(table).where(tuple_(table.c.point_id, table.c.cn, table.c.data_time).in_(keys))
             .order_by(table.c.point_id, table.c.cn, table.c.data_time).with_for_update())
    return {(r.point_id, r.cn, r.data_time): r for r in session.execute(query)}


def _resolve(session: Session, table: Table, row: Row, current: Any) -> Written:
    """Same values: a duplicate. Different values: keep the old version, replace, bump the revision."""
    if current.factors == row.factors:
        return Written(Outcome.DUPLICATE, current.revision)
    session.execute(insert(REVISIONS).values(
        point_id=row.point_id, cn=row.cn, data_time=row.data_time, revision=current.revision,
        factors=current.factors, qn=current.qn, received_at=current.received_at, replaced_at=row.received_at))
    revision = current.revision + 1
    session.execute(update(table).where(
        table.c.point_id == row.point_id, table.c.cn == row.cn, table.c.data_time == row.data_time,
    ).values(factors=row.factors, n_factors=row.n_factors, n_valid=row.n_valid, qn=row.qn, revision=revision,
             updated_at=row.received_at))
    return Written(Outcome.REPLACED, revision, dict(current.factors))


def _in_windows(session: Session, table: Table, cn: str, windows: Mapping[int, tuple[datetime, datetime]]) -> Any:
    low = min(start for start, _ in windows.values())
    high = max(end for _, end in windows.values())
    return (table.c.cn == cn, among(session, table.c.point_id, sorted(windows)), table.c.data_time >= low,
            table.c.data_time <= high)


def series(
    session: Session, cn: str, windows: Mapping[int, tuple[datetime, datetime]], *, with_revision: bool = False,
) -> dict[int, dict[datetime, Any]]:
    """Stored factor values (with their revision, if asked) of each point within its window, by data time."""
    if not windows:
        return {}
    table = table_for(cn)
    query = select(table.c.point_id, table.c.data_time, table.c.revision, table.c.factors).where(
        *_in_windows(session, table, cn, windows))
    found: dict[int, dict[datetime, Any]] = {point_id: {} for point_id in windows}
    rows: Any = session.execute(query)
    for point_id, data_time, revision, factors in rows:
        start, end = windows[point_id]
        if start <= data_time <= end:
            found[point_id][data_time] = (revision, factors) if with_revision else factors
    return found


def revisions_in(
    session: Session, cn: str, windows: Mapping[int, tuple[datetime, datetime]]
) -> list[tuple[int, datetime, int]]:
    """(point, data time, revision) of the stored records within each point's window: keys without values."""
    if not windows:
        return []
    table = table_for(cn)
    query = select(table.c.point_id, table.c.data_time, table.c.revision).where(*_in_windows(session, table, cn, windows))
    rows: Any = session.execute(query)
    return [(p, t, r) for p, t, r in rows if windows[p][0] <= t <= windows[p][1]]


def revisions(session: Session, point_id: int, cn: str, data_time: datetime) -> list[MeasurementRevision]:
    """Earlier versions of one record, oldest first."""
    return list(session.scalars(select(MeasurementRevision).where(
        MeasurementRevision.point_id == point_id, MeasurementRevision.cn == cn,
        MeasurementRevision.data_time == data_time).order_by(MeasurementRevision.revision)))


@dataclass(frozen=True, slots=True)
class Purged:
    """What a purge removed: rows deleted one by one, and whole monthly partitions dropped (PostgreSQL)."""

    rows_deleted: int
    partitions_dropped: int


def purge_minute_data(session: Session, *, realtime_before: datetime, minute_before: datetime) -> Purged:
    """Remove real-time data older than ``realtime_before`` and minute data older than ``minute_before``.

    On PostgreSQL minute data goes only by whole monthly partitions, dropped once the
    whole month is older than ``minute_before``: no row is deleted, so nothing is left
    for VACUUM and the month's disk space is returned at once. Minute data is therefore
    kept for its retention and at most one month more. Real-time data, which shares the
    partitions and has a shorter retention, is deleted by rows within the partitions
    still kept (the planner prunes to those before its cutoff), as are rows of the
    DEFAULT partition (outside every monthly range). SQLite deletes rows.
    """
    dropped = _drop_old_partitions(session, minute_before) if is_postgres(session) else 0
    deleted = _delete_rows(session, REALTIME, realtime_before)
    deleted += _delete_rows(session, MINUTE, minute_before, only_default=is_postgres(session))
    log.info("minute data purged: %d rows deleted, %d partitions dropped", deleted, dropped)
    return Purged(deleted, dropped)


def _delete_rows(session: Session, cn: str, before: datetime, *, only_default: bool = False) -> int:
    """Delete rows of one kind older than ``before`` (only from the DEFAULT partition, if asked)."""
    table = MINUTE_MEASUREMENTS
    if only_default:
        statement: Any = text(f"DELETE FROM {table.name}_default WHERE cn = :cn AND data_time < :before")
        result = session.execute(statement, {"cn": cn, "before": before})
    else:
        result = session.execute(delete(table).where(table.c.cn == cn, table.c.data_time < before))
    return int(getattr(result, "rowcount", 0) or 0)


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=CHINA)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + month // 12, month % 12 + 1)


def _partitions(session: Session, table: str) -> list[str]:
    return list(session.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(:table AS regclass)"), {"table": table}))


def _drop_old_partitions(session: Session, before: datetime) -> int:
    dropped = 0
    for name in _partitions(session, MINUTE_MEASUREMENTS.name):
        suffix = name.rsplit("_", 1)[-1]
        if not (len(suffix) == 8 and suffix.startswith("y") and suffix[5] == "m" and suffix[1:5].isdigit()):
            continue
        year, month = int(suffix[1:5]), int(suffix[6:8])
        if _month_start(*_next_month(year, month)) <= before:
            session.execute(text(f'DROP TABLE "{name}"'))
            dropped += 1
    return dropped


def ensure_partitions(session: Session, now: datetime, months_ahead: int = 3) -> list[str]:
    """Create the monthly partitions from this month to ``months_ahead`` on (PostgreSQL only; idempotent)."""
    if not is_postgres(session):
        return []
    local = now.astimezone(CHINA)
    created = []
    for table in PARTITIONED_TABLES:
        existing = set(_partitions(session, table))
        year, month = local.year, local.month
        for _ in range(months_ahead + 1):
            name = f"{table}_y{year}m{month:02d}"
            following = _next_month(year, month)
            if name not in existing:
                with session.begin_nested():
                    session.execute(text(
                        f'CREATE TABLE "{name}" PARTITION OF {table} FOR VALUES FROM '
                        f"('{_month_start(year, month).isoformat()}') TO ('{_month_start(*following).isoformat()}')"))
                created.append(name)
            year, month = following
    if created:
        log.info("created partitions %s", ", ".join(created))
    return created
