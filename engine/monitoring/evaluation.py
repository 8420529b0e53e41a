"""Judging one record against the anomaly rules: pure functions over the record and its predecessors.

Each factor is judged on its corrected value (``zs_avg``/``zs_rtd``) when present,
else the measured one. Values flagged invalid (F/M/D/C/B by default) are not
judged, except by the flag rule itself. Rules over several records (zero,
constant) need the ``count - 1`` slots before this one to be present, valid
and equal; sudden change compares with the slot before.

This is the hot path of ingest (every factor of every hourly record), so each
factor's rules are flattened once into :class:`Checks` when the registry is
read, and the previous record is looked up once per record, not per factor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.monitoring.codes import REALTIME
from engine.monitoring.records import FactorData
from engine.monitoring.registry import FactorInfo, PointInfo

WHOLE_RECORD = "*"
"""The factor of a missing-data anomaly for a whole record (no packet for the slot)."""

Lookup = Callable[[datetime], Mapping[str, Any] | None]
"""The stored factors of this point's record at a data time, or None."""


@dataclass(frozen=True, slots=True)
class Finding:
    """An anomaly found for one slot: rule, parameters in force, the values that show it, and its period."""

    point_id: int
    factor: str
    anomaly_type: str
    cn: str
    period_start: datetime
    period_end: datetime
    values: list[dict[str, Any]]
    params: dict[str, Any]

    @property
    def key(self) -> tuple[int, str, str, datetime]:
        return (self.point_id, self.factor, self.anomaly_type, self.period_start)


@dataclass(frozen=True, slots=True)
class Slot:
    """The record being judged: where it sits and how long a slot of its command is."""

    point: PointInfo
    cn: str
    data_time: datetime
    step: timedelta
    invalid_flags: frozenset[str]


def evaluate(slot: Slot, factors: Mapping[str, FactorData], previous: Lookup) -> list[Finding]:
    """Every finding for one record; factors the point does not register are not judged."""
    judge = _Judge(slot, previous)
    for code, factor in slot.point.factors.items():
        data = factors.get(code)
        if data is None:
            if factor.checks.missing:
                judge.add(code, "missing", [], factor.rules["missing"])
            continue
        judge.factor(factor, data)
    return judge.found


class _Judge:
    """Judges the factors of one record, reading the previous record at most once."""

    def __init__(self, slot: Slot, previous: Lookup) -> None:
        self.slot = slot
        self.previous = previous
        self.found: list[Finding] = []
        self.names = ("zs_rtd", "rtd") if slot.cn == REALTIME else ("zs_avg", "avg")
        self._before: Mapping[str, Any] | None = None
        self._before_read = False

    def add(self, code: str, kind: str, values: list[dict[str, Any]], params: Mapping[str, Any],
            **limits: Any) -> None:
        slot = self.slot
        self.found.append(Finding(slot.point.id, code, kind, slot.cn, slot.data_time, slot.data_time + slot.step,
                                  values, {**params, **limits}))

    def value_of(self, data: Mapping[str, Any] | None) -> float | None:
        """The judged value of a factor's fields, or None when absent, invalid or not a number."""
        if data is None or data.get("flag") in self.slot.invalid_flags:
            return None
        corrected, measured = self.names
        value = data.get(corrected)
        if value is None:
            value = data.get(measured)
        return float(value) if isinstance(value, (int, float)) else None

    def factor(self, factor: FactorInfo, data: FactorData) -> None:
        checks, code, flag = factor.checks, factor.code, data.get("flag")
        if checks.flags is not None and flag in checks.flags:
            self.add(code, "flag", [self.here(data)], factor.rules["flag"])
        value = self.value_of(data)
        if value is None:
            return
        if (checks.upper is not None and value > checks.upper) or (checks.lower is not None and value < checks.lower):
            self.add(code, "exceedance", [self.here(data)], factor.rules["exceedance"],
                     upper_limit=factor.upper_limit, lower_limit=factor.lower_limit)
        if checks.negative and value < 0:
            self.add(code, "negative", [self.here(data)], factor.rules["negative"])
        if checks.over_range and (flag == "T" or (checks.range_upper is not None and value > checks.range_upper)
                                  or (checks.range_lower is not None and value < checks.range_lower)):
            self.add(code, "over_range", [self.here(data)], factor.rules["over_range"],
                     range_upper=factor.range_upper, range_lower=factor.range_lower)
        if checks.needs_previous:
            self.history(factor, value)

    def here(self, data: Mapping[str, Any]) -> dict[str, Any]:
        corrected, measured = self.names
        value = data.get(corrected, data.get(measured))
        return {"t": self.slot.data_time.isoformat(), "v": value, "flag": data.get("flag")}

    def before(self) -> Mapping[str, Any] | None:
        if not self._before_read:
            self._before, self._before_read = self.previous(self.slot.data_time - self.slot.step), True
        return self._before

    def history(self, factor: FactorInfo, value: float) -> None:
        checks, code = factor.checks, factor.code
        zero = value == 0 and checks.zero_count > 0
        if zero and checks.zero_count == 1:  # a run of one needs no predecessor
            self.add(code, "zero", [_point(self.slot.data_time, value)], factor.rules["zero"])
        before = self.before()
        earlier = self.value_of(before.get(code) if before is not None else None)
        if earlier is None:
            return
        if checks.sudden_ratio is not None:
            delta = abs(value - earlier)
            if delta > checks.sudden_ratio * abs(earlier) and delta > checks.sudden_min_delta:
                moment = self.slot.data_time - self.slot.step
                self.add(code, "sudden_change", [_point(moment, earlier), _point(self.slot.data_time, value)],
                         factor.rules["sudden_change"])
        if zero:
            if checks.zero_count > 1 and earlier == 0:
                self.run(factor, "zero", checks.zero_count, value, earlier)
        elif checks.constant_count and abs(earlier - value) <= checks.tolerance:
            self.run(factor, "constant", checks.constant_count, value, earlier)

    def run(self, factor: FactorInfo, kind: str, count: int, value: float, earlier: float) -> None:
        """A finding when the ``count - 1`` slots before are present, valid and equal (nearest read first)."""
        tolerance = 0.0 if kind == "zero" else factor.checks.tolerance
        step, moment = self.slot.step, self.slot.data_time
        run = [_point(moment, value), _point(moment - step, earlier)]
        for back in range(2, count):
            stored = self.previous(moment - back * step)
            found = self.value_of(stored.get(factor.code) if stored is not None else None)
            if found is None or abs(found - value) > tolerance:
                return
            run.append(_point(moment - back * step, found))
        run.reverse()
        self.add(factor.code, kind, run, factor.rules[kind])


def _point(time: datetime, value: float | None) -> dict[str, Any]:
    return {"t": time.isoformat(), "v": value, "flag": None}
