"""Queued work started right after the request that queued it committed, in one guarded thread per queue and database.

A queue (generated reports, rule replays) is a table the scheduler also works, so work left
behind by a stopped process is still done; this only starts it without waiting for the
scheduler's next run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

Body = Callable[..., object]
"""``body(sessions, reads=reads)``: the primary's sessions, and those its reads come from (the replica's or the same)."""


class Worker:
    """Runs ``body(sessions, reads=reads)`` until a pass finds nothing new; a kick while it runs asks for one more pass."""

    def __init__(self, name: str, body: Body) -> None:
        self.name, self.body = name, body
        self._guard = threading.Lock()
        self._busy: dict[int, threading.Lock] = {}  # one lock per session factory (per app)
        self._again: dict[int, bool] = {}

    def kick(self, sessions: sessionmaker[Session], reads: sessionmaker[Session] | None = None) -> None:
        """Start a thread for this database unless one runs; a running one is told to look again.

        ``reads`` are the sessions the work reads from (:func:`engine.db.read_sessions`); None reads ``sessions``.
        """
        key = id(sessions)
        with self._guard:
            lock = self._busy.setdefault(key, threading.Lock())
            if lock.locked():
                self._again[key] = True
                return
            lock.acquire()
        threading.Thread(target=self._run, args=(sessions, lock, reads), name=f"ecoloop-{self.name}", daemon=True).start()

    def _run(self, sessions: sessionmaker[Session], lock: threading.Lock, reads: sessionmaker[Session] | None) -> None:
        key = id(sessions)
        try:
            while True:
                self._again[key] = False
                self.body(sessions, reads=reads)
                with self._guard:
                    if not self._again.get(key):
                        lock.release()
                        return
                time.sleep(0)
        except Exception:  # the scheduler's job retries
            log.exception("%s worker failed", self.name)
            with self._guard:
                if lock.locked():
                    lock.release()
