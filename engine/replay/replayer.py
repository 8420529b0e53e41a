"""A replay: the stored hourly records of a scope and period judged with the current rule set and with a draft.

Reads only. The points are worked in chunks, each read in a transaction opened by the
caller's ``read`` (one read-only transaction per chunk: see :mod:`engine.replay.runs`),
and after each chunk ``progress`` is told how far it got (it raises :class:`Cancelled`
to stop). The result is the summary (counts, both sides) and the detail (case lists).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from engine.db import table_of
from engine.monitoring import rates, rules
from engine.monitoring.codes import HOURLY
from engine.monitoring.evaluation import Finding
from engine.monitoring.missing import downtimes_between
from engine.monitoring.models import AnomalyCase, Enterprise, Measurement, MonitoringPoint
from engine.monitoring.sql import among
from engine.replay import casework, rate_effect
from engine.replay.judging import PointWindow, Series, Side, judge_point, load_side, point_counts
from engine.replay.spec import Draft, Period, Scope, same_value
from engine.replay.tally import Owner, Tally, diff_json

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
CHUNK = 200
DETAIL_LIMIT = 2000

ReadSession = Callable[[], AbstractContextManager[Session]]
Progress = Callable[[int, int], None]


class Cancelled(Exception):
    """Raised by a progress callback when the replay was asked to stop."""


@dataclass
class Result:
    summary: dict[str, Any]
    detail: dict[str, Any]


@dataclass
class _Context:
    """What the whole replay reads once: both sides, the points, their owners, downtimes and earlier cases."""

    current: Side
    draft: Side
    windows: list[PointWindow]
    owners: dict[int, Owner]
    downtimes: dict[int, list[tuple[datetime, datetime]]]
    earlier_cases: dict[int, list[datetime]]


def replay(read: ReadSession, draft: Draft, period: Period, scope: Scope, progress: Progress) -> Result:
    """Judge the scope's records of the period with both rule sets and compare them.

    :raises Cancelled: when ``progress`` raises it.
    """
    with read() as session:
        context = _load(session, draft, period, scope)
    tallies = {"current": Tally(), "draft": Tally()}
    diff = casework.CaseDiff()
    sums: dict[str, dict[int, rates.Counts]] = {"current": {}, "draft": {}}
    with_rates = rate_effect.applies(context.current.book, context.draft.book)
    records = 0
    progress(0, len(context.windows))
    for done, chunk in _chunks(context.windows):
        with read() as session:
            series = _series(session, chunk, context, period)
        for window in chunk:
            records += sum(1 for moment in series.get(window.id, {}) if period.start <= moment < period.end)
            _judge(context, window, series.get(window.id, {}), period, tallies, diff, sums if with_rates else None)
        progress(done, len(context.windows))
    summary = _summary(context, tallies, diff, period, scope, records)
    if with_rates:
        with read() as session:
            summary["rates"] = rate_effect.compare(session, context.current.book, context.draft.book, period,
                                                   [w.id for w in context.windows], sums)
    return Result(summary, diff_json(diff, context.owners, DETAIL_LIMIT))


def _load(session: Session, draft: Draft, period: Period, scope: Scope) -> _Context:
    rows = session.execute(
        select(MonitoringPoint.id, MonitoringPoint.mn, MonitoringPoint.name, MonitoringPoint.monitoring_since,
               MonitoringPoint.monitoring_until, MonitoringPoint.active, Enterprise.credit_code, Enterprise.name,
               Enterprise.region_code, Enterprise.industry)
        .join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
        .where(scope.clause(), MonitoringPoint.monitoring_since < period.end,
               or_(MonitoringPoint.monitoring_until.is_(None), MonitoringPoint.monitoring_until > period.start))
        .order_by(MonitoringPoint.id)).all()
    windows = [PointWindow(r.id, r.mn, r.monitoring_since, r.monitoring_until, r.active) for r in rows]
    owners = {r.id: Owner(r.mn, r.name, r.credit_code, r[7], r.region_code, r.industry) for r in rows}
    book = rules.load_book(session)
    mns = [w.mn for w in windows]
    current = load_side(session, "current", book, mns, {})
    proposed = load_side(session, "draft", draft.book(book), mns, draft.factors)
    downtimes = downtimes_between(session, period.start, period.end) if windows else {}
    return _Context(current, proposed, windows, owners, downtimes,
                    _earlier_cases(session, [w.id for w in windows], period, current, proposed))


def _earlier_cases(session: Session, point_ids: list[int], period: Period, *sides: Side) -> dict[int, list[datetime]]:
    """When the points' stored cases opened within the longest repeat window before the period."""
    windows = [side.grouping.repeat_window for side in sides if side.grouping.repeat_window > timedelta(0)]
    if not windows or not point_ids:
        return {}
    found: dict[int, list[datetime]] = {}
    for point_id, created_at in session.execute(select(AnomalyCase.point_id, AnomalyCase.created_at).where(
            among(session, AnomalyCase.point_id, point_ids), AnomalyCase.instance_id.is_not(None),
            AnomalyCase.created_at >= period.start - max(windows), AnomalyCase.created_at < period.start)):
        found.setdefault(point_id, []).append(created_at)
    return found


def _chunks(windows: list[PointWindow]) -> Iterator[tuple[int, list[PointWindow]]]:
    for offset in range(0, len(windows), CHUNK):
        chunk = windows[offset:offset + CHUNK]
        yield offset + len(chunk), chunk


def _series(session: Session, chunk: list[PointWindow], context: _Context, period: Period) -> dict[int, Series]:
    """The chunk's hourly records of the period and the slots before it that the rules look back on."""
    depth = max(max(context.current.depth(w.mn), context.draft.depth(w.mn)) for w in chunk)
    table = table_of(Measurement)  # plain rows, factors as text for orjson: no ORM or driver JSON per record
    query = select(table.c.point_id, table.c.data_time, cast(table.c.factors, Text), table.c.delay_s).where(
        table.c.cn == HOURLY, among(session, table.c.point_id, [w.id for w in chunk]),
        table.c.data_time >= period.start - depth * HOUR, table.c.data_time < period.end)
    found: dict[int, dict[datetime, tuple[Any, int]]] = {}
    rows: Any = session.connection().execute(query)
    for point_id, data_time, factors, delay in rows:
        found.setdefault(point_id, {})[data_time] = (orjson.loads(factors), delay)
    return found  # type: ignore[return-value]


def _judge(context: _Context, window: PointWindow, series: Series, period: Period, tallies: dict[str, Tally],
           diff: casework.CaseDiff, sums: dict[str, dict[int, rates.Counts]] | None) -> None:
    downtimes = context.downtimes.get(window.id, [])
    made = {}
    findings: list[Finding] = []
    for side in (context.current, context.draft):
        if side is context.current or not _judged_alike(context, window):
            findings = judge_point(side, window, series, period.start, period.end, downtimes)
        made[side.name] = casework.simulate(findings, side.grouping, context.earlier_cases.get(window.id, []))
        tallies[side.name].add(context.owners[window.id], findings, made[side.name])
        if sums is not None:
            sums[side.name][window.id] = point_counts(side, window, series, period.start, period.end, downtimes)
    casework.compare(made["current"], made["draft"], diff)


def _judged_alike(context: _Context, window: PointWindow) -> bool:
    """Both sides give this point the same rules, flags and missing-data settings: the draft's findings are
    the current ones (the same pure function on the same input), so it is not judged twice."""
    current, draft = context.current, context.draft
    return (current.points[window.mn] == draft.points[window.mn] and current.invalid == draft.invalid
            and current.book.rule("missing") == draft.book.rule("missing"))


def _summary(context: _Context, tallies: dict[str, Tally], diff: casework.CaseDiff, period: Period, scope: Scope,
             records: int) -> dict[str, Any]:
    opened, gone = len(diff.opened), len(diff.no_longer_opened)
    current, draft = tallies["current"], tallies["draft"]
    kinds = sorted(set(current.findings) | set(draft.findings))
    return {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "scope": scope.as_json(),
        "points": len(context.windows),
        "records": records,
        "changed": changed_groups(context.current.book, context.draft.book),
        "current": current.as_json(gone, opened),
        "draft": draft.as_json(opened, gone),
        "differences": {
            "findings": {kind: draft.findings[kind] - current.findings[kind] for kind in kinds
                         if draft.findings[kind] != current.findings[kind]},
            "cases_opened": opened, "cases_no_longer_opened": gone, "cases_changed": len(diff.changed),
        },
        "rates": None,
    }


def changed_groups(current: rules.RuleBook, draft: rules.RuleBook) -> dict[str, dict[str, Any]]:
    """The parameters the draft changes: ``{group: {name: [current, draft]}}``."""
    changed: dict[str, dict[str, Any]] = {}
    for key, params in current.params.items():
        for name, value in params.items():
            if not same_value(draft.params[key].get(name), value):
                changed.setdefault(key, {})[name] = [value, draft.params[key].get(name)]
    return changed
