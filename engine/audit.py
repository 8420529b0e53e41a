"""The audit trail (闭环留痕): append-only events chained by sha256.

Each event's hash covers its own fields and the previous event's hash, so an
edited, deleted or reordered row breaks the chain from that point on. The
database computes the hash when it inserts the event; ``verify`` computes it
again in Python.
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

from sqlalchemy import String, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import column_values, locked_singleton, sha256_hex, table_of, utcnow
from engine.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
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
) -> AuditEvent:
    """Append one event to the chain (written, not committed); the returned object is not in the session.

    Two plain statements: one takes the next number (and the head's lock), one inserts the event.
    The insert reads the previous event's hash and computes the event's own in the database: a
    statement that starts after the lock was granted sees the event of the transaction that held
    it. (Reading it within the locking statement does not: that statement's snapshot was taken
    before it waited.)
    """
    event = AuditEvent(
        seq=_take_seq(session),
        at=utcnow(),
        actor=actor.username if isinstance(actor, Actor) else actor,
        action=action,
        instance_id=instance_id,
        task_id=task_id,
        payload=_json_safe(payload or {}),
    )
    before, after = _canonical_around_prev(event)
    chained = session.execute(
        _INSERT_EVENT,
        {**column_values(event), "previous_seq": event.seq - 1, "before_prev": before, "after_prev": after},
    ).one()
    event.prev_hash, event.hash = chained.prev_hash, chained.hash
    return event


_HEAD = table_of(AuditChainHead)
_EVENTS = table_of(AuditEvent)
_TAKE_SEQ = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_seq=_HEAD.c.last_seq + 1).returning(_HEAD.c.last_seq)
_BEFORE_PREV, _AFTER_PREV = bindparam("before_prev", type_=String), bindparam("after_prev", type_=String)
_PREVIOUS_HASH = func.coalesce(
    select(_EVENTS.c.hash).where(_EVENTS.c.seq == bindparam("previous_seq")).scalar_subquery(), GENESIS_HASH)
_INSERT_EVENT = (
    insert(_EVENTS)
    .values(prev_hash=_PREVIOUS_HASH,
            hash=sha256_hex(_BEFORE_PREV + _PREVIOUS_HASH + _AFTER_PREV))
    .returning(_EVENTS.c.prev_hash, _EVENTS.c.hash)
)


def _take_seq(session: Session) -> int:
    """The next sequence number; the head stays locked until the transaction ends."""
    taken: int | None = session.execute(_TAKE_SEQ).scalar_one_or_none()
    if taken is None:  # the first event ever: create the head (race-safe), then take from it
        locked_singleton(session, AuditChainHead, HEAD_ID, lambda: AuditChainHead(id=HEAD_ID, last_seq=0))
        taken = session.execute(_TAKE_SEQ).scalar_one()
    return taken


def _json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so the stored payload is exactly what the hash covered."""
    result: dict[str, Any] = json.loads(json.dumps(payload, ensure_ascii=False, default=str))
    return result


def event_hash(event: Any) -> str:
    """The hash of an event or of a row with the same attributes."""
    before, after = _canonical_around_prev(event)
    return hashlib.sha256(f"{before}{event.prev_hash}{after}".encode("utf-8")).hexdigest()


def _canonical_around_prev(event: Any) -> tuple[str, str]:
    """The event's canonical JSON — its fields and ``prev``, keys sorted — split where the previous
    event's hash goes, so that the database can put it in (see :func:`record`).

    ``prev`` sorts between ``payload`` and ``seq``, and a hash is hex that JSON writes unescaped.
    """
    head = _canonical({"action": event.action, "actor": event.actor, "at": _timestamp(event.at),
                       "instance_id": event.instance_id, "payload": event.payload})
    tail = _canonical({"seq": event.seq, "task_id": event.task_id})
    return f'{head[:-1]},"prev":"', f'",{tail[1:]}'


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
    last_seq = session.scalar(select(AuditChainHead.last_seq).where(AuditChainHead.id == HEAD_ID))
    if last_seq is not None and last_seq != checked:
        return ChainReport(checked, checked + 1, "events after this point were deleted")
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
