"""Idempotency keys: a retried POST gets the first response back, and nothing is created twice.

The caller (the API's request edge) calls :func:`begin` before the action and
:func:`finish` after it, in the same transaction. ``begin`` inserts the key at
once, so a concurrent duplicate blocks on the unique (principal, key) index
until the first request commits and then reads its stored response. A request
that fails rolls back, key included: a retry then runs afresh. Keys expire
(24 hours by default) and expired rows of a caller are deleted on its next use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.errors import Conflict, InvalidInput
from engine.idempotency.models import IdempotencyRecord

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(hours=24)
MAX_KEY = 200


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str
    headers: dict[str, str]


def check_key(key: str) -> None:
    """:raises InvalidInput: the key is empty, too long or not printable ASCII."""
    if not key or len(key) > MAX_KEY or not all(33 <= ord(c) < 127 for c in key):
        raise InvalidInput("Idempotency-Key 无效 (invalid key)", fields={
            "Idempotency-Key": [f"1–{MAX_KEY} 个可见 ASCII 字符 (1–{MAX_KEY} printable ASCII characters)"]})


def begin(session: Session, principal: str, key: str, request_sha256: str, *, ttl: timedelta = DEFAULT_TTL,
          now: datetime | None = None) -> StoredResponse | IdempotencyRecord:
    """The stored response of an earlier request with this key, or the new (pending) record to fill in.

    :raises InvalidInput: the key is malformed or was used for a different request.
    :raises Conflict: a request with this key is still running (SQLite's busy timeout ran out).
    """
    check_key(key)
    now = now or utcnow()
    session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.principal == principal, IdempotencyRecord.expires_at <= now))
    earlier = _stored(session, principal, key)
    if earlier is not None:
        return _replay(earlier, request_sha256)
    record = IdempotencyRecord(principal=principal, key=key, request_sha256=request_sha256, expires_at=now + ttl)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # a concurrent duplicate committed first
        earlier = _stored(session, principal, key)
        if earlier is None:
            raise Conflict(f"a request with Idempotency-Key {key!r} is still running") from None
        return _replay(earlier, request_sha256)
    return record


def finish(session: Session, record: IdempotencyRecord, status_code: int, body: str, headers: dict[str, str]) -> None:
    """Store the response of a request that succeeded (the edge commits it with the action)."""
    record.status_code, record.response_body, record.response_headers = status_code, body, headers
    session.flush()


def _stored(session: Session, principal: str, key: str) -> IdempotencyRecord | None:
    return session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _replay(record: IdempotencyRecord, request_sha256: str) -> StoredResponse:
    if record.request_sha256 != request_sha256:
        raise InvalidInput("Idempotency-Key 已用于另一个请求 (key reused for a different request)",
                           fields={"Idempotency-Key": ["与首次请求的内容不同 (differs from the first request)"]})
    if record.status_code is None or record.response_body is None:
        raise Conflict(f"a request with Idempotency-Key {record.key!r} is still running")
    headers: dict[str, Any] = record.response_headers or {}
    return StoredResponse(record.status_code, record.response_body, {str(k): str(v) for k, v in headers.items()})
