"""``Idempotency-Key`` on API POSTs: the request edge's half of :mod:`engine.idempotency.keys`."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Response, g, request

from engine.idempotency import keys as idempotency
from web.database import db, settings

HEADER = "Idempotency-Key"
KEPT_HEADERS = ("Content-Type", "Location", "ETag")


def _fingerprint() -> str:
    hasher = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    hasher.update(request.headers.get("Content-Type", "").encode() + b"\n")
    hasher.update(request.get_data(cache=True))
    return hasher.hexdigest()


def _ttl() -> timedelta:
    return timedelta(hours=settings().api_idempotency_hours)


def before() -> Response | None:
    """Replay the stored response of a repeated key, or claim the key for this request."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or "api_principal" not in g:
        return None
    outcome = idempotency.begin(db(), g.api_principal, key, _fingerprint(), ttl=_ttl())
    if isinstance(outcome, idempotency.StoredResponse):
        replay = Response(outcome.body, status=outcome.status_code, headers=outcome.headers)
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    g.idempotency_record = outcome
    return None


def after(response: Response) -> Response:
    """Store a successful response with its key (the request edge commits both with the action)."""
    record = g.pop("idempotency_record", None)
    if record is not None and response.status_code < 400 and not response.direct_passthrough:
        headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
        idempotency.finish(db(), record, response.status_code, response.get_data(as_text=True), headers)
    return response
