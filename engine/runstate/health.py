"""Whether the database and the directory answer (``GET /healthz``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


class Pingable(Protocol):
    def ping(self) -> bool: ...


@dataclass(frozen=True)
class Health:
    database: str  # "ok" or "unavailable"
    directory: str  # "ok", "unavailable" or "not_configured"

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.directory != "unavailable"


def check(session: Session, directory: Pingable | None) -> Health:
    return Health(database=_database(session), directory=_directory(directory))


def _database(session: Session) -> str:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health: database unavailable: %s", exc)
        session.rollback()
        return "unavailable"
    return "ok"


def _directory(directory: Pingable | None) -> str:
    if directory is None:
        return "not_configured"
    return "ok" if directory.ping() else "unavailable"
