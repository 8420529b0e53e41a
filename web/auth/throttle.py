"""Log-in throttling per client address with Flask-Limiter, and the app's lockout policy.

Only failed attempts count (a response of 400 or more), so an office behind
one NAT address is not throttled by its own successful log-ins. The limit is
``ECOLOOP_LOGIN_RATE_LIMIT`` (default ``20 per minute``, any ``limits``
expression such as ``10/minute;100/hour``), counted by the app's limiter
(:mod:`web.rate_limits`; attached by the app factory after the auth blueprint's
routes are registered). The per-account lockout that holds
across workers is in :mod:`engine.identity.lockout`.

A throttled request never reaches authentication: no
password is checked, and it is logged rather than audited (an attacker could
otherwise fill the audit trail at the limiter's price).
"""

from __future__ import annotations

import logging
from typing import cast

from flask import Flask, Response, render_template, request
from flask.typing import RouteCallable
from flask_limiter.errors import RateLimitExceeded
from limits import parse_many

from engine.config import ConfigError
from engine.identity.lockout import LockoutPolicy
from web.auth import bp
from web.rate_limits import limiter_of
from web.redirects import safe_target

log = logging.getLogger(__name__)

LOGIN_ENDPOINT = "auth.login_post"
THROTTLED = "登录失败次数过多，请稍后再试 (too many failed log-ins from this address; try again later)"


def init_app(app: Flask) -> None:
    """Limit failed log-ins of ``app`` and set its lockout policy (after the auth blueprint's routes)."""
    settings = app.extensions["ecoloop.settings"]
    rate = _checked_rate(settings.login_rate_limit)
    limiter = limiter_of(app)
    view = app.view_functions.get(LOGIN_ENDPOINT)
    if view is None:
        raise ConfigError(f"{LOGIN_ENDPOINT} must be registered before the log-in limit")
    limited = limiter.limit(rate, methods=["POST"], deduct_when=_failed, error_message=THROTTLED)
    app.view_functions[LOGIN_ENDPOINT] = cast(RouteCallable, limited(view))
    app.extensions["ecoloop.lockout"] = LockoutPolicy.from_settings(settings.raw)  # a bad value stops start-up


def _checked_rate(rate: str) -> str:
    """:raises ConfigError: for a limit Flask-Limiter cannot read (at start-up, not at the first log-in)."""
    try:
        parse_many(rate)
    except ValueError:
        raise ConfigError(f"ECOLOOP_LOGIN_RATE_LIMIT {rate!r} is not a rate such as '20 per minute'") from None
    return rate


def _failed(response: Response) -> bool:
    return response.status_code >= 400


@bp.errorhandler(RateLimitExceeded)
def _throttled(error: RateLimitExceeded) -> tuple[str, int]:
    """The log-in page again with the reason; Flask-Limiter adds ``Retry-After``."""
    log.warning("log-in throttled for %s (%s)", request.remote_addr, error.limit.limit)
    page = render_template("auth/login.html", error=THROTTLED, next=safe_target(request.form.get("next")) or "",
                           username=request.form.get("username", "")[:100])
    return page, 429

