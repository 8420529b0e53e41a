"""Rate limits: one Flask-Limiter per app, for the log-in form and the API.

Counters are kept in ``ECOLOOP_RATELIMIT_STORAGE`` (default ``memory://``, which is
per process: give several workers a shared store such as ``redis://…``). Each app
gets its own limiter, so two apps in one process (tests, a CLI next to a server)
never share counters. The limits are declared where they apply:
``web/auth/throttle.py`` (failed log-ins per address) and ``web/api/blueprints.py``
(per token or user, and for the token endpoint).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_app(app: Flask) -> Limiter:
    storage = app.extensions["ecoloop.settings"].ratelimit_storage
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage,
                      default_limits=[], headers_enabled=True, key_prefix="ecoloop")
    app.extensions["ecoloop.limiter"] = limiter
    return limiter


def limiter_of(app: Flask) -> Limiter:
    limiter: Limiter = app.extensions["ecoloop.limiter"]
    return limiter
