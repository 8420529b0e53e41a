"""Scheduled work on instances: moving finished ones out of the hot tables (daily ``archive`` job)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from engine.actors import Actor
from engine.instances import retention


def archive_all(sessions: sessionmaker[Session], actor: Actor, older_than_days: int,
                batch: int = retention.DEFAULT_BATCH, now: datetime | None = None) -> tuple[int, int]:
    """Archive every finished instance older than the age, one committed batch at a time.

    :returns: how many were archived and how many were kept because other records still reference them.
    """
    archived, skipped, after_id = 0, 0, 0
    while True:
        with sessions.begin() as session:
            result = retention.archive_batch(session, actor, older_than_days, now=now, limit=batch, after_id=after_id)
        archived, skipped = archived + len(result.archived), skipped + len(result.skipped)
        handled = result.archived + list(result.skipped)
        if len(handled) < batch:
            return archived, skipped
        after_id = max(handled)
