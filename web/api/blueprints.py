"""The API's blueprints, with bearer authentication, idempotency keys, rate limits and no CSRF (token auth).

Hooks are attached here, once, at import: Flask copies a blueprint's hooks into
every app it is registered on.
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_smorest import Blueprint

from web.api import (
    attachments,
    auth,
    bearer,
    credit,
    datacheck,
    exchange,
    health,
    idempotency,
    inspection,
    inspections,
    instances,
    libraries,
    monitoring,
    processes,
    register,
    replay,
    reports,
    risk_sources,
    stats,
    tasks,
    tax,
)
from web.extensions import csrf

PUBLIC: tuple[Blueprint, ...] = (auth.bp, health.bp)
PROTECTED: tuple[Blueprint, ...] = (auth.me_bp, processes.bp, instances.bp, tasks.bp, attachments.bp, stats.bp,
                                    monitoring.bp, replay.bp, credit.bp, tax.bp, reports.bp, register.bp,
                                    libraries.bp, exchange.bp, datacheck.bp, inspection.bp, inspections.bp,
                                    risk_sources.bp)
ALL = PUBLIC + PROTECTED


def _attach() -> None:
    for blueprint in PROTECTED:
        blueprint.before_request(bearer.authenticate)
        blueprint.before_request(idempotency.before)
        blueprint.after_request(idempotency.after)
        blueprint.after_request(bearer.challenge)
    for blueprint in ALL:
        csrf.exempt(blueprint)


def limit(limiter: Limiter) -> None:
    """Declare the API's limits on an app's limiter (per token or user; the token endpoint has its own)."""
    for blueprint in PROTECTED:
        limiter.limit(bearer.rate_limit, key_func=bearer.rate_limit_key)(blueprint)
    limiter.limit(bearer.login_rate_limit, key_func=bearer.rate_limit_key)(auth.bp)
    limiter.exempt(health.bp)


_attach()
