"""Hand-made hourly data with every anomaly kind for one enterprise's air and water points (tests of the replay)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from engine.monitoring.codes import HOURLY
from engine.monitoring.records import MeasurementRecord
from engine.replay import replayer
from engine.replay.spec import Draft, Period, Scope, check_draft
from engine.monitoring import rules
from tests.engine.monitoring.factories import AIR_MN, BASE, PASSWORD, Province, air, ingestor, register, water

PERIOD = Period(date(2026, 11, 20), date(2026, 11, 21))
"""BASE is 2026-11-20 08:00 (Shanghai); the data runs for 31 hours from there."""

EVERY_KIND = {"exceedance", "zero", "constant", "negative", "over_range", "missing", "sudden_change", "flag"}
EXCEEDANCE_CASES = 3


def _air(hour: int) -> MeasurementRecord | None:
    so2, dust, temp = 20.0 + hour % 5, 3.0 + (hour % 4) * 0.1, 120.0 + hour % 7
    flags: dict[str, str] = {}
    if hour == 3:
        so2 = 50.0  # exceedance (limit 35)
    if hour in (5, 6, 7):
        dust = 0.0  # zero run of three (count 3)
    if 10 <= hour <= 16:
        so2 = 25.0  # seven equal readings: constant at hours 15 and 16 (count 6)
    if hour == 18:
        temp = -5.0  # negative
    if hour == 20:
        so2 = 250.0  # over range (200) and exceedance
    if hour == 22:
        dust = 15.0  # sudden change from 3.2 and exceedance (limit 10)
    if hour == 24:
        flags = {"a21026": "M"}  # maintenance flag
    if hour == 26:
        return None  # no record: missing
    return air(hour, so2, dust, temp, flags=flags)


def province_with_every_kind(session: Session) -> Province:
    """The registered province with 31 hours of data in which every rule fires at least once."""
    province = register(session)
    records = [r for r in (_air(h) for h in range(31)) if r is not None]
    records += [water(h, 20.0 + h % 3, 7.0 + (h % 2) * 0.1) for h in range(31)]
    ingestor().ingest(session, records)
    return province


def draft(session: Session, raw: dict[str, Any]) -> Draft:
    return check_draft(session, raw, rules.load_book(session))


def run(session: Session, raw: dict[str, Any], scope: Scope | None = None) -> replayer.Result:
    """Replay in the test's session (savepoint): the read function hands out that session."""

    @contextmanager
    def same() -> Iterator[Session]:
        yield session

    return replayer.replay(same, draft(session, raw), PERIOD, scope or Scope("province", "440000"),
                           lambda done, total: None)


__all__ = ["AIR_MN", "BASE", "HOURLY", "PASSWORD"]
