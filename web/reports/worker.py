"""Generate queued reports right after the request that queued them committed, in one guarded thread.

The scheduler's ``report_runs`` job works the same queue, so a run left behind by a stopped
process is still generated.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from integrations import report_jobs

log = logging.getLogger(__name__)
_busy = threading.Lock()


def kick(sessions: sessionmaker[Session]) -> None:
    """Start a worker thread unless one is already running (it picks up every queued run)."""
    if _busy.locked():
        return
    threading.Thread(target=_run, args=(sessions,), name="ecoloop-reports", daemon=True).start()


def _run(sessions: sessionmaker[Session]) -> None:
    if not _busy.acquire(blocking=False):
        return
    try:
        report_jobs.process_all(sessions)
    except Exception:  # the scheduler's job retries
        log.exception("report worker failed")
    finally:
        _busy.release()
