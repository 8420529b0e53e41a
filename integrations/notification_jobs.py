"""Scheduler job of the notification centre (stable id ``notifications``).

Each run projects new audit events and tasks due within 24 hours into notifications,
then sends one batch of queued mail (``integrations.mail``); both commit on their own,
so mail only ever follows a committed notification and a failed send is retried on the
next run. The web does the same right after each request, so this job mainly catches
deadlines and whatever a stopped process left behind.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.orm import Session, sessionmaker

from engine.config import load_settings
from integrations.mail import SmtpNotifier, notifier_from, run_outbox

log = logging.getLogger(__name__)

JOB_ID = "notifications"
INTERVAL_SECONDS = 60


def _safe_run(sessions: sessionmaker[Session], notifier: SmtpNotifier | None, base_url: str) -> None:
    try:
        sent = run_outbox(sessions, notifier, base_url)
        if sent:
            log.info("notification job sent %d mails", sent)
    except Exception:  # the next run retries
        log.exception("notification job failed")


def add_jobs(scheduler: BaseScheduler, sessions: sessionmaker[Session]) -> None:
    raw = load_settings().raw
    scheduler.add_job(
        _safe_run, "interval", seconds=INTERVAL_SECONDS, args=[sessions, notifier_from(raw), raw.get("BASE_URL", "")],
        id=JOB_ID, coalesce=True, max_instances=1, replace_existing=True,
    )
