"""Scheduled work of the data inspection: ``tax_data_inspection`` reruns the rules nightly over the last months.

Returns are filed quarterly (Environmental Protection Tax Law art. 18) and corrected afterwards, so each
night the three months before the current one are checked again: new findings appear, corrected ones clear.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from engine.actors import SYSTEM
from engine.exchange.datacheck.run import run_month

log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))
MONTHS_BACK = 3


def months_before(today: date, count: int) -> list[str]:
    """The ``count`` months before ``today``'s, oldest first (``YYYY-MM``)."""
    index = today.year * 12 + today.month - 1
    return [f"{(index - k) // 12:04d}-{(index - k) % 12 + 1:02d}" for k in range(count, 0, -1)]


def run_recent(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    """Run the rules for each recent month, one committed transaction per month; returns new findings."""
    today = (now or datetime.now(timezone.utc)).astimezone(CHINA).date()
    new = 0
    for month in months_before(today, MONTHS_BACK):
        with sessions.begin() as session:
            result = run_month(session, SYSTEM, month, today=today)
        new += sum(result.new.values())
    log.info("data inspection: %d new findings over %d months", new, MONTHS_BACK)
    return new
