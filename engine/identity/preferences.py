"""A person's own choices (the interface language) and name, kept on the server so they survive log-out and
other browsers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import utcnow
from engine.errors import InvalidInput
from engine.identity.models import UserPreference

LANGUAGES = ("zh_CN", "en")


def logged_in(session: Session, actor: Actor) -> str | None:
    """Note the name the actor logged in with; the language they last chose, or None if they never chose one."""
    row = session.get(UserPreference, actor.username)
    name = (actor.display_name or "")[:200]
    if row is None and name and name != actor.username:
        session.add(UserPreference(username=actor.username, display_name=name, updated_at=utcnow()))
    elif row is not None and name and row.display_name != name:
        row.display_name = name
    session.flush()
    return row.language if row is not None else None


def choose_language(session: Session, actor: Actor, language: str) -> None:
    """Remember the actor's interface language (written, not committed).

    :raises InvalidInput: naming ``lang`` for a language the interface does not speak.
    """
    if language not in LANGUAGES:
        raise InvalidInput("不支持的语言 (unsupported language)", fields={"lang": [f"one of {', '.join(LANGUAGES)}"]})
    row = session.get(UserPreference, actor.username)
    if row is None:
        session.add(UserPreference(username=actor.username, language=language, display_name=actor.display_name or "",
                                   updated_at=utcnow()))
    else:
        row.language, row.updated_at = language, utcnow()
    session.flush()
