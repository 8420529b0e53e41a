"""One database session per request, committed at the request boundary.

Services only flush. A request that ends in a response below 400 commits;
anything else rolls back, so a failed action leaves no partial write.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from sqlalchemy.orm import Session

from engine.config import Settings
from engine.evidence.filestore import FileStore


def db() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["ecoloop.sessions"]()
    session: Session = g.db
    return session


def read_db() -> Session:
    """The request's session for pages that only read (reports, replays, dashboards).

    On the read replica where one is configured (:func:`engine.db.read_sessions`), rolled back and
    closed at the end of the request; otherwise the request's own :func:`db` session.
    """
    reads = current_app.extensions["ecoloop.read_sessions"]
    if reads is current_app.extensions["ecoloop.sessions"]:
        return db()
    if "read_db" not in g:
        g.read_db = reads()
    session: Session = g.read_db
    return session


def files() -> FileStore:
    store: FileStore = current_app.extensions["ecoloop.files"]
    return store


def settings() -> Settings:
    value: Settings = current_app.extensions["ecoloop.settings"]
    return value


def _commit_or_rollback(response: Response) -> Response:
    session = g.get("db")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close(_exc: BaseException | None) -> None:
    for name in ("db", "read_db"):
        session = g.pop(name, None)
        if session is not None:
            session.close()


def init_app(app: Flask) -> None:
    app.after_request(_commit_or_rollback)
    app.teardown_request(_close)
