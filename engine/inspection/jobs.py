"""Scheduled work of random inspection: ``inspection_nightly`` (03:10 Asia/Shanghai) brings the object
directory in line with the register, recomputes every class from the day's data, and reveals the seed of
every draw whose inspections are all past — each part in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from engine.actors import Actor, Role
from engine.calendar.workdays import SHANGHAI
from engine.inspection import classes, directory, draws

log = logging.getLogger(__name__)
SCHEDULER = Actor("system:inspection", frozenset({Role.ADMIN}), "440000", display_name="系统（双随机）")


def nightly(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None) -> list[int]:
    """Sync, reclassify, reveal; returns the ids of the draws revealed."""
    today = (now or _utcnow)().astimezone(SHANGHAI).date()
    with sessions.begin() as session:
        directory.sync_units(session, SCHEDULER)
        totals = classes.recompute(session, SCHEDULER, today)
    with sessions.begin() as session:
        revealed = draws.reveal_due(session, today)
    log.info("inspection nightly: classes %s, draws revealed %s", totals, revealed)
    return revealed


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
