"""Earlier hourly records for the rules: the batch's own, a checked in-process cache, then the database.

First only the slot before each judged record is needed (sudden change reads
it; most zero and constant checks stop there); a record whose rules reach
further back raises :class:`Deeper` and is judged again after
:meth:`History.load_deeper` has read ``count - 1`` slots for its point.

:class:`RecentRecords` keeps the last records this process wrote. A cached
record is used only if the database still holds the same revision of it (a
light query of keys and revisions), so a resend stored by another process is
never judged against stale values; only new or changed records are read with
their factor values (a JSON document each, the costly part of reading).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.monitoring import store
from engine.monitoring.codes import HOURLY
from engine.monitoring.registry import PointInfo

HOUR = timedelta(hours=1)
Factors = Mapping[str, Any]
Windows = dict[int, tuple[datetime, datetime]]


class Deeper(Exception):
    """A rule needs a slot older than what was read: read further back and judge the record again."""


class RecentRecords:
    """The last ``depth`` hourly records per point written by this process, with their revision."""

    def __init__(self, depth: int = 12, max_points: int = 50_000) -> None:
        self.depth = depth
        self.max_points = max_points
        self._points: dict[int, dict[datetime, tuple[int, Factors]]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget everything (call when a transaction that ingested rolled back)."""
        with self._lock:
            self._points.clear()

    def get(self, point_id: int, moment: datetime) -> tuple[int, Factors] | None:
        return self._points.get(point_id, {}).get(moment)

    def put(self, point_id: int, moment: datetime, revision: int, factors: Factors) -> None:
        with self._lock:
            if point_id not in self._points and len(self._points) >= self.max_points:
                self._points.clear()
            slots = self._points.setdefault(point_id, {})
            slots[moment] = (revision, factors)
            if len(slots) > self.depth:
                del slots[min(slots)]


def widen(windows: Windows, point_id: int, start: datetime, end: datetime) -> None:
    known = windows.get(point_id)
    windows[point_id] = (min(start, known[0]), max(end, known[1])) if known else (start, end)


def depth_of(point: PointInfo) -> int:
    """How many slots back the point's zero and constant rules may read."""
    return max([1] + [max(f.checks.zero_count, f.checks.constant_count) - 1 for f in point.factors.values()])


class History:
    """What the rules may read for the records of one batch (see the module docstring)."""

    def __init__(self, session: Session, own: Iterable[tuple[int, datetime, Factors]],
                 recent: RecentRecords | None = None) -> None:
        self.session, self.recent = session, recent
        self.own: dict[int, dict[datetime, Factors]] = {}
        for point_id, moment, factors in own:
            self.own.setdefault(point_id, {})[moment] = factors
        windows: Windows = {}
        for point_id, slots in self.own.items():
            for moment in slots:
                if moment - HOUR not in slots:
                    widen(windows, point_id, moment - HOUR, moment - HOUR)
        self.loaded = self._read(windows)
        self.floor = {point_id: start for point_id, (start, _) in windows.items()}

    def _read(self, windows: Windows) -> dict[int, dict[datetime, Factors]]:
        if self.recent is None:
            return store.series(self.session, HOURLY, windows)
        found: dict[int, dict[datetime, Factors]] = {point_id: {} for point_id in windows}
        missing: Windows = {}
        for point_id, moment, revision in store.revisions_in(self.session, HOURLY, windows):
            cached = self.recent.get(point_id, moment)
            if cached is not None and cached[0] == revision:
                found[point_id][moment] = cached[1]
            else:
                widen(missing, point_id, moment, moment)
        for point_id, rows in store.series(self.session, HOURLY, missing, with_revision=True).items():
            for moment, (revision, factors) in rows.items():
                found[point_id][moment] = factors
                self.recent.put(point_id, moment, revision, factors)
        return found

    def lookup(self, point_id: int, *, final: bool = False) -> Callable[[datetime], Factors | None]:
        own, loaded, floor = self.own.get(point_id, {}), self.loaded.get(point_id, {}), self.floor.get(point_id)

        def get(moment: datetime) -> Factors | None:
            found = own.get(moment)
            if found is None:
                found = loaded.get(moment)
            if found is None and not final and (floor is None or moment < floor):
                raise Deeper()
            return found

        return get

    def load_deeper(self, wanted: Iterable[tuple[PointInfo, datetime]]) -> None:
        windows: Windows = {}
        for point, moment in wanted:
            widen(windows, point.id, moment - depth_of(point) * HOUR, moment - HOUR)
        for point_id, rows in self._read(windows).items():
            self.loaded.setdefault(point_id, {}).update(rows)
