"""The audit trail (闭环留痕): append-only events chained by sha256.

Each event's hash covers its own fields and the previous event's hash, so an
edited, deleted or reordered row breaks the chain from that point on. The
database computes the hash as it hands out the event's number; ``verify``
computes it again in Python.

Appends lock the one chain-head row, which orders concurrent writers; the
lock is held only until the surrounding transaction commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, String, bindparam, cast, insert, literal, select, update
from sqlalchemy.orm import Session

from engine import tracing
from engine.actors import Actor
from engine.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from engine.db import (
    column_values,
    is_postgres,
    locked_singleton,
    sha256_hex,
    table_of,
    utcnow,
)
from engine.write_batch import WriteBatch

HEAD_ID = 1
VERIFY_BATCH = 2000


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    *,
    instance_id: int | None = None,
    task_id: str | None = None,
    payload: dict[str, Any] | None = None,
    writes: WriteBatch | None = None,
) -> AuditEvent:
    """Append one event to the chain (written, not committed); the returned object is not in the session.

    The head row hands out the number and both hashes in the statement that locks it; the database
    computes the event's hash there, from the head's last hash and the event's canonical text
    around it. On PostgreSQL the event's INSERT rides in the same statement, so an append is one
    round trip.

    :param writes: a step's write batch on this session: on PostgreSQL the append then rides in the
        batch's statement, and the event's number and hashes are set when the batch has run.
    """
    event, params = _prepared(actor, action, instance_id, task_id, payload)
    if not is_postgres(session):
        _taken(event, _on_head(session, _ADVANCE_HEAD, params))
        session.execute(_INSERT_EVENT, column_values(event))
    elif writes is None:
        _taken(event, _on_head(session, _APPEND, params))
    else:
        def taken(_count: int, returned: tuple[Any, ...] | None) -> None:
            _taken(event, returned if returned is not None else _on_head(session, _APPEND, params))

        writes.add(_APPEND, params, taken)
    return event


def _prepared(actor: Actor | str, action: str, instance_id: int | None, task_id: str | None,
              payload: dict[str, Any] | None) -> tuple[AuditEvent, dict[str, Any]]:
    """The event without its number and hashes, and the parameters of the statements that append it."""
    event = AuditEvent(
        at=utcnow(),
        actor=actor.username if isinstance(actor, Actor) else actor,
        action=action,
        instance_id=instance_id,
        task_id=task_id,
        payload=_json_safe(_with_request_id(payload or {})),
    )
    before_prev, after_seq = _canonical_around_prev_and_seq(event)
    params = {"before_prev": before_prev, "after_seq": after_seq,
              **{f"event_{name}": getattr(event, name) for name in _EVENT_FIELDS}}
    return event, params


def _with_request_id(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with the id of the request or job recording it (``engine.tracing``), when there is one."""
    current = tracing.request_id.get()
    return {**payload, "request_id": current} if current and "request_id" not in payload else payload


def _taken(event: AuditEvent, taken: tuple[Any, ...]) -> None:
    event.seq, event.prev_hash, event.hash = int(taken[0]), str(taken[1]), str(taken[2])


_HEAD = table_of(AuditChainHead)
_EVENTS = table_of(AuditEvent)
_EVENT_FIELDS = ("at", "actor", "action", "instance_id", "task_id", "payload")
_SEQ_KEY = '","seq":'  # in the canonical text, between the previous hash and the number

_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(last_seq=_HEAD.c.last_seq + 1, prev_hash=_HEAD.c.last_hash,  # SET sees the row as it was
            last_hash=sha256_hex(bindparam("before_prev", type_=String) + _HEAD.c.last_hash + literal(_SEQ_KEY)
                                 + cast(_HEAD.c.last_seq + 1, String) + bindparam("after_seq", type_=String)))
    .returning(_HEAD.c.last_seq, _HEAD.c.prev_hash, _HEAD.c.last_hash)
)
_INSERT_EVENT = insert(_EVENTS)


def _append_statement() -> Insert:
    """PostgreSQL: the head's advance as a data-modifying WITH, and the event inserted from what it returns."""
    head = _ADVANCE_HEAD.cte("head")
    fields = (bindparam(f"event_{name}", type_=_EVENTS.c[name].type) for name in _EVENT_FIELDS)
    return insert(_EVENTS).from_select(
        ["seq", *_EVENT_FIELDS, "prev_hash", "hash"],
        select(head.c.last_seq, *fields, head.c.prev_hash, head.c.last_hash),
    ).returning(_EVENTS.c.seq, _EVENTS.c.prev_hash, _EVENTS.c.hash)


_APPEND = _append_statement()


def _on_head(session: Session, statement: Any, params: dict[str, Any]) -> tuple[Any, ...]:
    """Run a statement that advances the head; the head stays locked until the transaction ends."""
    taken = session.execute(statement, params).one_or_none()
    if taken is None:  # the first event ever: create the head (race-safe), then advance it
        locked_singleton(session, AuditChainHead, HEAD_ID,
                         lambda: AuditChainHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH, prev_hash=GENESIS_HASH))
        taken = session.execute(statement, params).one()
    return tuple(taken)


def _json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so the stored payload is exactly what the hash covered."""
    result: dict[str, Any] = json.loads(json.dumps(payload, ensure_ascii=False, default=str))
    return result


def event_hash(event: Any) -> str:
    """The hash of an event or of a row with the same attributes."""
    before_prev, after_seq = _canonical_around_prev_and_seq(event)
    text = f"{before_prev}{event.prev_hash}{_SEQ_KEY}{event.seq}{after_seq}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical_around_prev_and_seq(event: Any) -> tuple[str, str]:
    """The event's canonical JSON — its fields, ``prev`` and ``seq``, keys sorted, no spaces — without
    the previous hash and the number, which the database puts in (see :func:`record`).

    The two sort next to each other, between ``payload`` and ``task_id``; a hash is hex and a number
    digits, which JSON writes as they are.
    """
    head = _canonical({"action": event.action, "actor": event.actor, "at": _timestamp(event.at),
                       "instance_id": event.instance_id, "payload": event.payload})
    tail = _canonical({"task_id": event.task_id})
    return f'{head[:-1]},"prev":"', f",{tail[1:]}"


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _timestamp(value: datetime) -> str:
    # microseconds are kept by both backends; the zone is normalised to UTC on load
    return value.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class ChainReport:
    """The result of a verification: ``broken_at`` is the first bad event's seq, or None."""

    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session) -> ChainReport:
    """Walk the whole chain in order and report the first event that does not fit."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in _all_events(session):
        problem = _problem(event, expected_seq, expected_prev)
        if problem:
            return ChainReport(checked, event.seq if problem != "missing" else expected_seq, _REASONS[problem])
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = session.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                           .where(AuditChainHead.id == HEAD_ID)).one_or_none()
    if head is not None and head.last_seq != checked:
        return ChainReport(checked, checked + 1, "events after this point were deleted")
    if head is not None and head.last_hash != expected_prev:
        return ChainReport(checked, checked, "the chain head does not hold this event's hash (the head was changed)")
    return ChainReport(checked)


_REASONS = {
    "missing": "the event with this sequence number is missing (deleted)",
    "link": "the event does not follow its predecessor (reordered, or a predecessor was edited)",
    "hash": "the event's content does not match its hash (edited)",
}


def _problem(event: Any, expected_seq: int, expected_prev: str) -> str | None:
    if event.seq != expected_seq:
        return "missing"
    if event.prev_hash != expected_prev:
        return "link"
    if event_hash(event) != event.hash:
        return "hash"
    return None


_EVENT_COLUMNS = (
    AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.instance_id,
    AuditEvent.task_id, AuditEvent.payload, AuditEvent.prev_hash, AuditEvent.hash,
)


def _all_events(session: Session) -> Iterable[Any]:
    """Rows in seq order, fetched in batches as plain rows (no identity map growing with the table)."""
    last = 0
    while True:
        batch = session.execute(
            select(*_EVENT_COLUMNS).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(VERIFY_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def instance_events(session: Session, instance_id: int) -> list[AuditEvent]:
    """The instance's timeline, oldest first (callers check the actor may see the instance)."""
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq))
    )
