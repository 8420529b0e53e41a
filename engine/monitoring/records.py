"""What ingest takes and gives back: parsed measurement records and per-packet results."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from engine.monitoring.codes import DAILY, HOURLY, MINUTE

LONG_TERM = frozenset({HOURLY, DAILY})
"""Kept in ``measurements``; the others go to ``minute_measurements`` and are purged."""

FactorData = Mapping[str, float | str]
"""One factor's fields by attribute name: ``{"avg": 12.5, "zs_avg": 13.0, "flag": "N"}``."""


@dataclass(frozen=True, slots=True)
class MeasurementRecord:
    """One data packet as the engine sees it (built from an HJ 212 packet, a CSV row group, or a test).

    ``factors`` maps factor codes (HJ 212-2017) to their fields, named as the
    attributes of ``integrations.hj212.FactorValues`` (``rtd``, ``avg``,
    ``zs_avg``, ``flag`` …); times inside are ISO strings.
    """

    mn: str
    cn: str
    data_time: datetime | None
    factors: Mapping[str, FactorData]
    pw: str = ""
    st: str = ""
    qn: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """A line the parser refused: a stable reason code and a sentence for a person."""

    reason: str
    detail: str


LineParser = Callable[[str], "MeasurementRecord | Refusal"]
"""Turns one raw line into a record or a refusal; injected by the caller (the engine has no parser)."""


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    REPLACED = "replaced"
    IGNORED = "ignored"
    REFUSED = "refused"


@dataclass(slots=True)
class PacketResult:
    """What happened to one packet; ``ok`` is true when the data is (or already was) kept."""

    outcome: Outcome
    mn: str | None = None
    cn: str | None = None
    data_time: datetime | None = None
    reason: str | None = None
    detail: str | None = None
    anomalies: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.STORED, Outcome.DUPLICATE, Outcome.REPLACED, Outcome.IGNORED)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok, "outcome": self.outcome.value, "mn": self.mn, "cn": self.cn,
            "data_time": self.data_time.isoformat() if self.data_time else None,
            "reason": self.reason, "detail": self.detail, "anomalies": list(self.anomalies),
        }


def refused(reason: str, detail: str, record: MeasurementRecord | None = None) -> PacketResult:
    return PacketResult(
        Outcome.REFUSED, mn=record.mn if record else None, cn=record.cn if record else None,
        data_time=record.data_time if record else None, reason=reason, detail=detail,
    )


def period_length(cn: str, *, rtd_interval_s: int = 30, minute_interval_min: int = 10) -> timedelta:
    """How long one record of this command covers (its slot length)."""
    if cn == HOURLY:
        return timedelta(hours=1)
    if cn == DAILY:
        return timedelta(days=1)
    if cn == MINUTE:
        return timedelta(minutes=minute_interval_min)
    return timedelta(seconds=rtd_interval_s)
