"""One JSON line per request on the ``ecoloop.requests`` log, and the request id (``X-Request-ID``) in and out.

The id is the caller's ``X-Request-ID`` when it is short and plain (nginx: ``proxy_set_header
X-Request-ID $request_id``), a new one otherwise. It is returned in the response's
``X-Request-ID``, set for the engine's audit events (``engine.tracing``), added to problem+json
errors as ``request_id`` and shown on the HTML error page as the reference number (参考编号).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import Flask, Response, g, request

from engine import tracing

HEADER = "X-Request-ID"

log = tracing.json_logger("ecoloop.requests")


def current_id() -> str | None:
    rid: str | None = g.get("request_id")
    return rid


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_end)
    app.teardown_request(_reset)
    app.context_processor(lambda: {"request_id": current_id()})


def _begin() -> None:
    g.request_id = tracing.accepted_id(request.headers.get(HEADER))
    g.request_id_token = tracing.request_id.set(g.request_id)
    g.request_clock = time.perf_counter()


def _end(response: Response) -> Response:
    rid = g.get("request_id")
    if rid is None:
        return response
    response.headers[HEADER] = rid
    user = g.get("actor")
    tracing.line(log, {
        "event": "request", "request_id": rid, "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "method": request.method, "path": request.path, "endpoint": request.endpoint, "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.get("request_clock", time.perf_counter())) * 1000, 1),
        "user": getattr(user, "username", None), "remote_addr": request.remote_addr,
    })
    return response


def _reset(_error: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        tracing.request_id.reset(token)
