"""A person's own choices (the interface language), kept on the server so they survive log-out and other browsers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import utcnow
from engine.errors import InvalidInput
from engine.models import UserPreference

LANGUAGES = ("zh_CN", "en")


def language_of(session: Session, username: str) -> str | None:
    """The language the person last chose, or None when they never chose one."""
    row = session.get(UserPreference, username)
    return row.language if row is not None else None


def choose_language(session: Session, actor: Actor, language: str) -> None:
    """Remember the actor's interface language (written, not committed).

    :raises InvalidInput: naming ``lang`` for a language the interface does not speak.
    """
    if language not in LANGUAGES:
        raise InvalidInput("不支持的语言 (unsupported language)", fields={"lang": [f"one of {', '.join(LANGUAGES)}"]})
    row = session.get(UserPreference, actor.username)
    if row is None:
        session.add(UserPreference(username=actor.username, language=language, updated_at=utcnow()))
    else:
        row.language, row.updated_at = language, utcnow()
    session.flush()
