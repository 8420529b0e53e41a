"""One side of a replay (the current rule set or the draft): the live rules applied to stored hourly records.

Nothing here implements a rule. Each record is judged by
:func:`engine.monitoring.evaluation.evaluate`, the function ingest calls, with the
point's registry view built by :func:`engine.monitoring.registry.load_points` from
the side's rule book; whole missing records by
:func:`engine.monitoring.missing.missing_findings`, as the scheduler's check does;
the rates' counters by :func:`engine.monitoring.ingest.value_counts`, as ingest
writes them. The replay judges the data as it is stored now (after any corrected
resend), every slot past its deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.anomalies.cases import Grouping
from engine.monitoring import missing, rules
from engine.monitoring.codes import HOURLY
from engine.monitoring.evaluation import Finding, Slot, evaluate
from engine.monitoring.history import depth_of
from engine.monitoring.ingest import value_counts
from engine.monitoring.rates import Counts
from engine.monitoring.registry import PointInfo, load_points

HOUR = timedelta(hours=1)

Series = Mapping[datetime, tuple[Mapping[str, Any], int]]
"""A point's stored hourly records: factors and delay (seconds) by data time."""


@dataclass(frozen=True)
class PointWindow:
    """A point in scope: when it is monitored, whether the missing-data check covers it."""

    id: int
    mn: str
    since: datetime
    until: datetime | None
    active: bool


@dataclass
class Side:
    """A rule set as the replay applies it: its book, the points' registry views, and its decisions."""

    name: str
    book: rules.RuleBook
    points: dict[str, PointInfo]

    @property
    def invalid(self) -> frozenset[str]:
        return frozenset(self.book.rule("validity")["invalid_flags"])

    @property
    def grouping(self) -> Grouping:
        return Grouping.of(self.book.rule("grouping"))

    def depth(self, mn: str) -> int:
        return depth_of(self.points[mn])


def load_side(session: Session, name: str, book: rules.RuleBook, mns: list[str],
              overrides: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Side:
    """The points' registry views under ``book``, with the factor overrides a draft replaces."""
    points = load_points(session, book, mns)
    for mn, codes in overrides.items():
        info = points.get(mn)
        if info is None:
            continue
        factors = dict(info.factors)
        for code, own in codes.items():
            if code in factors:
                factors[code] = replace(factors[code], rules=book.for_factor(own))
        points[mn] = replace(info, factors=factors)
    return Side(name, book, points)


def judge_point(side: Side, window: PointWindow, series: Series, start: datetime, end: datetime,
                downtimes: Iterable[tuple[datetime, datetime]]) -> list[Finding]:
    """Every finding the side's rules make for the point's records in [start, end) and its missing slots."""
    info = side.points[window.mn]
    invalid = side.invalid
    factors_at = {moment: factors for moment, (factors, _) in series.items()}
    found: list[Finding] = []
    for moment in sorted(factors_at):
        if start <= moment < end:
            found.extend(evaluate(Slot(info, HOURLY, moment, HOUR, invalid), factors_at[moment], factors_at.get))
    if window.active:
        received = {(window.id, moment) for moment in factors_at}
        found.extend(missing.missing_findings([(window.id, window.since, window.until)], start, end - HOUR,
                                              received, {window.id: list(downtimes)}, side.book.rule("missing")))
    return found


def point_counts(side: Side, window: PointWindow, series: Series, start: datetime, end: datetime,
                 downtimes: Iterable[tuple[datetime, datetime]]) -> Counts:
    """The rates' received counters of the point's hourly records in [start, end), with the side's validity."""
    info, invalid = side.points[window.mn], side.invalid
    deadline = int(side.book.rule("rates")["timeliness_deadline_minutes"]) * 60
    gaps = list(downtimes)
    counts = Counts()
    for moment, (factors, delay) in series.items():
        if not start <= moment < end or any(gap_start <= moment < gap_end for gap_start, gap_end in gaps):
            continue
        n_factors, n_valid = value_counts(info, factors, invalid)
        counts.received += 1
        counts.values_received += n_factors
        counts.values_valid += n_valid
        counts.on_time += 1 if delay <= deadline else 0
    return counts
