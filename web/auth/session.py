"""The signed session cookie carries the actor; it expires after the configured idle time."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from engine.actors import Actor, Role
from web.database import settings

F = TypeVar("F", bound=Callable[..., Any])


def remember(actor: Actor) -> None:
    session.clear()
    session.permanent = True
    session["actor"] = {
        "username": actor.username, "roles": sorted(actor.roles), "region": actor.region_code,
        "enterprise": actor.enterprise_code, "name": actor.display_name,
    }
    session["seen"] = time.time()


def forget() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_actor() -> Actor | None:
    if "actor" in g:
        return g.actor  # type: ignore[no-any-return]
    data = session.get("actor")
    actor = None
    if data and not _idle_expired():
        actor = Actor(data["username"], frozenset(Role(r) for r in data["roles"]), data["region"],
                      data["enterprise"], data["name"])
        session["seen"] = time.time()
    elif data:
        forget()
    g.actor = actor
    return actor


def _idle_expired() -> bool:
    seen = session.get("seen", 0)
    return bool(time.time() - float(seen) > settings().session_idle_minutes * 60)


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
