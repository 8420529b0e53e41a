"""The signed cookie names a server-side session (engine.identity.sessions) and carries the actor."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from engine.actors import Actor, Role
from engine.identity import preferences
from engine.identity import sessions as user_sessions
from web.database import db, settings

F = TypeVar("F", bound=Callable[..., Any])


def remember(actor: Actor) -> None:
    """Start a server-side session for the actor; the signed cookie carries its id and the actor."""
    _drop_cookie_session()
    session.permanent = True
    session["sid"] = user_sessions.start(db(), actor, request.remote_addr or "")
    session["actor"] = {
        "username": actor.username, "roles": sorted(actor.roles), "region": actor.region_code,
        "enterprise": actor.enterprise_code, "name": actor.display_name,
    }
    chosen = preferences.logged_in(db(), actor)
    if chosen:
        session["lang"] = chosen


def forget() -> None:
    """End the server-side session, so that no copy of the cookie works any more."""
    user_sessions.end(db(), session.get("sid"))
    _drop_cookie_session()


def current_actor() -> Actor | None:
    """The logged-in actor, if the cookie names a session that is open and not idle."""
    if "actor" in g:
        return g.actor
    data = session.get("actor")
    actor = None
    idle = timedelta(minutes=settings().session_idle_minutes)
    if data and user_sessions.active(db(), session.get("sid"), idle):
        actor = Actor(data["username"], frozenset(Role(r) for r in data["roles"]), data["region"],
                      data["enterprise"], data["name"])
    elif data:
        _drop_cookie_session()
    g.actor = actor
    return actor


def _drop_cookie_session() -> None:
    """Empty the cookie session but keep the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_actor() is None:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def actor() -> Actor:
    """The logged-in actor of a view wrapped in :func:`login_required`."""
    value = current_actor()
    assert value is not None
    return value
