"""Scheduled bodies of the tax exchange (the table is ``web/scheduler.py``): the nightly publication of the
environment-side categories and the watch over the sync. Each opens its own session and commits once."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from engine.actors import SYSTEM
from engine.audit import trail as audit
from engine.exchange import producers, watch

log = logging.getLogger(__name__)


def publish(sessions: sessionmaker[Session]) -> int:
    """Offer every environment-side category's changes; returns the number of records offered."""
    with sessions.begin() as session:
        batches = producers.publish_all(session)
        offered = sum(batch.record_count for batch in batches)
        audit.record(session, SYSTEM, "exchange.publish", payload={
            "batches": {batch.category: batch.record_count for batch in batches}, "records": offered})
    return offered


def watch_sync(sessions: sessionmaker[Session]) -> int:
    """Notify administrators of late categories and heavily refused batches; returns the alerts raised."""
    with sessions.begin() as session:
        return len(watch.check(session))
