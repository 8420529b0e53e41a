"""After a request commits: project new notifications, and wake the mail worker thread.

Projection is quick (a few indexed reads) and runs in the request's teardown in a
session of its own, so a reviewer's next page already shows the notification. Mail
goes out from one daemon thread per process, never inside a request: a slow SMTP
server delays nobody. The scheduler's notification job repeats both, so nothing is
lost when a process stops between commit and send.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, Response, g, request
from sqlalchemy.orm import Session, sessionmaker

from engine.services import notifications
from integrations.mail import SmtpNotifier, notifier_from

log = logging.getLogger(__name__)

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IDLE_SECONDS = 60.0


class Dispatcher:
    def __init__(self, sessions: sessionmaker[Session], notifier: SmtpNotifier | None, base_url: str) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.base_url = base_url
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def after_commit(self) -> None:
        """Project what the committed request changed; never fails the request."""
        try:
            with self.sessions.begin() as session:
                created = notifications.project(session, mail=self.notifier is not None)
        except Exception:  # the scheduler's job projects it later
            log.exception("projecting notifications after a request failed")
            return
        if created and self.notifier is not None:
            self._start()
            self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ecoloop-mail", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        assert self.notifier is not None
        while True:
            self._wake.wait(IDLE_SECONDS)
            self._wake.clear()
            try:
                with self.sessions.begin() as session:
                    notifications.deliver_pending(session, self.notifier, base_url=self.base_url)
            except Exception:
                log.exception("sending notification mail failed; retried later")


def _remember_status(response: Response) -> Response:
    g.ecoloop_write_ok = request.method in WRITES and response.status_code < 400
    return response


def _after_teardown(app: Flask, error: BaseException | None) -> None:
    if error is None and g.pop("ecoloop_write_ok", False) and "db" in g:
        app.extensions["ecoloop.dispatcher"].after_commit()


def init_app(app: Flask) -> None:
    raw = app.extensions["ecoloop.settings"].raw
    app.extensions["ecoloop.dispatcher"] = Dispatcher(app.extensions["ecoloop.sessions"], notifier_from(raw),
                                                      raw.get("BASE_URL", ""))
    app.after_request(_remember_status)
    app.teardown_request(lambda error: _after_teardown(app, error))
