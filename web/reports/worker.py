"""Generate queued reports right after the request that queued them committed, in one guarded thread per database.

The scheduler's ``report_runs`` job works the same queue, so a run left behind by a stopped
process is still generated.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from engine.reports import jobs as report_jobs

log = logging.getLogger(__name__)
_guard = threading.Lock()
_busy: dict[int, threading.Lock] = {}  # one lock per session factory (per app)
_requeued: dict[int, bool] = {}


def kick(sessions: sessionmaker[Session], reads: sessionmaker[Session] | None = None) -> None:
    """Start a worker thread for this database unless one runs; a running one is told to look again.

    The files are built from ``reads`` (the read replica's sessions) where given.
    """
    key = id(sessions)
    with _guard:
        lock = _busy.setdefault(key, threading.Lock())
        if lock.locked():
            _requeued[key] = True
            return
        lock.acquire()
    threading.Thread(target=_run, args=(sessions, lock, reads), name="ecoloop-reports", daemon=True).start()


def _run(sessions: sessionmaker[Session], lock: threading.Lock, reads: sessionmaker[Session] | None) -> None:
    key = id(sessions)
    try:
        while True:
            _requeued[key] = False
            report_jobs.process_all(sessions, reads=reads)
            with _guard:
                if not _requeued.get(key):
                    lock.release()
                    return
            time.sleep(0)
    except Exception:  # the scheduler's job retries
        log.exception("report worker failed")
        with _guard:
            if lock.locked():
                lock.release()
