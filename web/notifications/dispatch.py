"""After a request commits: project new notifications and send mail, in one background thread per process.

A write request only wakes the thread; the thread waits a moment for more and
then projects everything committed since its last run in one transaction (so
under load a projection covers many requests instead of costing one each) and then hands queued mail to the SMTP server — a
slow mail server or a long projection delays no request. Pages that show
notifications first wait, briefly, for the projection of this process's own
writes (:meth:`Dispatcher.settle`), so a person sees what their colleague
just did on the next page even when the two share a worker; writes made
through another worker appear as soon as its thread has run (milliseconds).
The scheduler's notification job repeats both, so nothing is lost when a
process stops between commit and projection.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Response, current_app, g, request
from flask.sansio.app import App
from sqlalchemy.orm import Session, sessionmaker

from engine.notifications import centre as notifications
from integrations.mail import SmtpNotifier, notifier_from

log = logging.getLogger(__name__)

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAIL_RETRY_SECONDS = 60.0
SETTLE_SECONDS = 2.0
GATHER_SECONDS = 0.05


class Dispatcher:
    def __init__(self, sessions: sessionmaker[Session], notifier: SmtpNotifier | None, base_url: str) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.base_url = base_url
        self._changed = threading.Condition()
        self._requested = 0  # writes committed by this process
        self._projected = 0  # of them, how many the thread has projected
        self._thread: threading.Thread | None = None

    def after_commit(self) -> None:
        """A write request committed: have the thread project it."""
        with self._changed:
            self._requested += 1
            self._changed.notify_all()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ecoloop-notify", daemon=True)
                self._thread.start()

    def settle(self, timeout: float = SETTLE_SECONDS) -> None:
        """Wait until the writes this process committed so far are projected (or ``timeout`` passes)."""
        with self._changed:
            wanted = self._requested
            self._changed.wait_for(lambda: self._projected >= wanted, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._projected < self._requested,
                                       MAIL_RETRY_SECONDS if self.notifier else None)
            time.sleep(GATHER_SECONDS)  # under load, let the writes of the next moments join this projection
            with self._changed:
                taken = self._requested
            self._project()
            with self._changed:
                self._projected = taken
                self._changed.notify_all()
            if self.notifier is not None:
                self._deliver()

    def _project(self) -> None:
        """Project every event committed so far; never raises (the scheduler's job projects it later)."""
        try:
            more = True
            while more:
                with self.sessions.begin() as session:
                    more = notifications.project_events(session, mail=self.notifier is not None)
        except Exception:
            log.exception("projecting notifications failed; the scheduler's job retries")

    def _deliver(self) -> None:
        assert self.notifier is not None
        try:
            with self.sessions.begin() as session:
                notifications.deliver_pending(session, self.notifier, base_url=self.base_url)
        except Exception:
            log.exception("sending notification mail failed; retried later")


def settle() -> None:
    """For the pages that show notifications: this process's own writes projected first."""
    current_app.extensions["ecoloop.dispatcher"].settle()


def _remember_status(response: Response) -> Response:
    g.ecoloop_write_ok = request.method in WRITES and response.status_code < 400
    return response


def _after_teardown(app: App, error: BaseException | None) -> None:
    if error is None and g.pop("ecoloop_write_ok", False) and "db" in g:
        app.extensions["ecoloop.dispatcher"].after_commit()


def init_app(app: App) -> None:
    settings = app.extensions["ecoloop.settings"]
    app.extensions["ecoloop.dispatcher"] = Dispatcher(app.extensions["ecoloop.sessions"], notifier_from(settings.raw),
                                                      settings.base_url)
    app.after_request(_remember_status)
    app.teardown_request(lambda error: _after_teardown(app, error))
