"""Reading audit events in web tests."""

from __future__ import annotations


def business(payload: dict[str, object]) -> dict[str, object]:
    """An event's payload without the request id every web request adds (``engine/tracing.py``)."""
    assert isinstance(payload.get("request_id"), str)
    return {key: value for key, value in payload.items() if key != "request_id"}
