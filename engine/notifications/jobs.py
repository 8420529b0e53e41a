"""Scheduled work of the notification centre (``notifications``): project new audit events and tasks due
within 24 hours, then send one batch of queued mail.

Both steps commit on their own, so mail only ever follows a committed notification and a
failed send is retried on the next run. The web does the same right after each request,
so this job mainly catches deadlines and whatever a stopped process left behind.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from engine.notifications import centre
from engine.notifications.centre import Notifier


def run_outbox(sessions: sessionmaker[Session], notifier: Notifier | None, base_url: str = "") -> int:
    """One pass: project new audit events, then send one batch of queued mail; returns how many were sent."""
    with sessions.begin() as session:
        centre.project(session, mail=notifier is not None)
    if notifier is None:
        return 0
    with sessions.begin() as session:
        return centre.deliver_pending(session, notifier, base_url=base_url)
