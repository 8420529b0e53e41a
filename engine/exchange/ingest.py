"""Receiving a batch from the tax bureau: envelope checks, record-by-record validation, idempotent storage.

A batch is identified by its category and ``batch_no``. The same batch sent again (same checksum) is answered
with the stored answer and writes nothing; the same ``batch_no`` with other content is a conflict. Within a
new batch each record is new (stored as version 1), unchanged (same key, same content: nothing written) or a
correction (same key, other content: the row is overwritten, version + 1, the old version kept in
``exchange_record_versions``). Refused records are stored with their reasons in ``exchange_refusals``.
Writes are set-based (one INSERT or UPDATE per kind of change and chunk), so a month of returns for every
taxpayer of the province fits in one request's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import Conflict, InvalidInput, NotAllowed
from engine.exchange import canonical, review_requests, schedule, store
from engine.exchange.categories import TAX_SIDE, Category
from engine.exchange.models import BatchStatus, Direction, ExchangeBatch, ExchangeRefusal
from engine.exchange.records import record_key
from engine.exchange.validation import Problem, Window, check, load, load_lookups

log = logging.getLogger(__name__)

MAX_RECORDS = 250_000


@dataclass(frozen=True)
class BatchIn:
    """An incoming batch as the tax bureau sends it."""

    batch_no: str
    category: Category
    period: str  # YYYY-MM or YYYY-MM-DD
    sequence: int
    record_count: int
    checksum: str
    records: Sequence[Any]


def receive(session: Session, actor: Actor, batch: BatchIn) -> dict[str, Any]:
    """Validate and store a batch; the answer lists every record's outcome (refused ones with reasons).

    :raises NotAllowed: the sender is not the tax client (or an administrator).
    :raises InvalidInput: an environment-side category, a count or checksum that does not match the records.
    :raises Conflict: the batch number was used for other content, or the sequence by another batch.
    """
    _check_sender(actor)
    record_texts = _check_envelope(batch)
    stored = _stored(session, batch)
    if stored is not None:
        return {**(stored.answer or {}), "resent": True}
    rules = schedule.current(session)
    row = ExchangeBatch(direction=Direction.IN.value, category=batch.category.value, batch_no=batch.batch_no,
                        period=batch.period, sequence=batch.sequence, record_count=batch.record_count,
                        checksum=batch.checksum, status=BatchStatus.ACCEPTED.value, sender=actor.username,
                        received_at=utcnow())
    session.add(row)
    session.flush()
    window = Window.of(batch.period, rules.max_age_months, utcnow())
    outcomes = _validate_and_store(session, actor, batch, row, window, record_texts)
    answer = _answer(batch, row, outcomes)
    row.answer = answer
    audit.record(session, actor, "exchange.receive", payload={
        "batch": row.id, "batch_no": batch.batch_no, "category": batch.category.value, "records": batch.record_count,
        "accepted": row.accepted, "corrected": row.corrected, "unchanged": row.unchanged, "refused": row.refused})
    log.info("exchange batch %s (%s %s) stored: %s accepted, %s refused", row.id, batch.category.value,
             batch.batch_no, row.accepted, row.refused)
    return {**answer, "resent": False}


def _check_sender(actor: Actor) -> None:
    if not (actor.is_admin or Role.TAX_CLIENT in actor.roles):
        raise NotAllowed("交换批次由税务部门报送 (batches come from the tax bureau)")


def _check_envelope(batch: BatchIn) -> list[str]:
    """The records' canonical texts, once the envelope agrees with them."""
    if batch.category not in TAX_SIDE:
        raise InvalidInput("该类别由生态环境部门提供，请拉取 (an environment-side category: pull it)",
                           fields={"category": [f"须为 {', '.join(c.value for c in TAX_SIDE)} 之一"]})
    if not 1 <= len(batch.records) <= MAX_RECORDS:
        raise InvalidInput("批次记录数不符 (wrong number of records)",
                           fields={"records": [f"1–{MAX_RECORDS} 条记录 (1–{MAX_RECORDS} records)"]})
    if batch.record_count != len(batch.records):
        raise InvalidInput("记录数与批次声明不符 (record_count does not match the records)",
                           fields={"record_count": [f"声明 {batch.record_count} 条，实收 {len(batch.records)} 条"]})
    record_texts = canonical.texts(batch.records)
    if canonical.checksum_of(record_texts) != batch.checksum.lower():
        raise InvalidInput("校验和不符，批次可能在传输中损坏 (checksum does not match the records)",
                           fields={"checksum": ["SHA-256 of the canonical JSON of records (see the API guide)"]})
    return record_texts


def _stored(session: Session, batch: BatchIn) -> ExchangeBatch | None:
    row = session.scalars(select(ExchangeBatch).where(
        ExchangeBatch.direction == Direction.IN.value, ExchangeBatch.category == batch.category.value,
        ExchangeBatch.batch_no == batch.batch_no)).one_or_none()
    if row is not None and row.checksum != batch.checksum.lower():
        raise Conflict(f"批次号 {batch.batch_no} 已用于另一批数据 (batch number already used for other records)")
    if row is None:
        taken = session.scalar(select(func.count()).select_from(ExchangeBatch).where(
            ExchangeBatch.direction == Direction.IN.value, ExchangeBatch.category == batch.category.value,
            ExchangeBatch.sequence == batch.sequence))
        if taken:
            raise Conflict(f"序号 {batch.sequence} 已由另一批次使用 (sequence already used by another batch)")
    return row


@dataclass
class Outcome:
    position: int
    key: str
    outcome: str  # stored / corrected / unchanged / refused
    version: int | None
    problems: list[Problem]


def _validate_and_store(session: Session, actor: Actor, batch: BatchIn, row: ExchangeBatch, window: Window,
                        record_texts: list[str]) -> list[Outcome]:
    """Each record loaded and checked; the accepted ones written. A record's digest is that of its canonical
    text as sent, so a resend is recognised without serialising anything twice."""
    category = batch.category
    lookups = load_lookups(session, [r for r in batch.records if isinstance(r, Mapping)])
    outcomes: list[Outcome] = []
    accepted: list[tuple[int, str, dict[str, Any], str]] = []
    seen: set[str] = set()
    for position, raw in enumerate(batch.records):
        key = record_key(category, raw) if isinstance(raw, Mapping) else ""
        loaded, problems = load(category, raw)
        if loaded is not None:
            problems = check(category, loaded, lookups, window)
            if not problems and key in seen:
                problems = [Problem("record", "duplicate_in_batch", "同一批次内记录重复 (key repeated in the batch)")]
        if problems or loaded is None:
            outcomes.append(Outcome(position, key, "refused", None, problems))
            continue
        seen.add(key)
        lookups.learn(category, loaded)
        accepted.append((position, key, loaded, canonical.digest_of(record_texts[position])))
    records = [(key, loaded, digest) for _, key, loaded, digest in accepted]
    written = (review_requests.write(session, actor, row, records) if category is Category.REVIEW_REQUESTS
               else store.write(session, category, row, records))
    for (position, key, _, _), (outcome, version, problems) in zip(accepted, written):
        outcomes.append(Outcome(position, key, outcome, version, problems))
    outcomes.sort(key=lambda o: o.position)
    _refusals(session, row, outcomes)
    _count(row, outcomes)
    return outcomes


def _refusals(session: Session, row: ExchangeBatch, outcomes: list[Outcome]) -> None:
    rows = [{"batch_id": row.id, "position": o.position, "record_key": o.key, "field": p.field[:60],
             "reason": p.reason, "message": p.message[:300]}
            for o in outcomes if o.outcome == "refused" for p in o.problems]
    if rows:
        session.execute(insert(ExchangeRefusal), rows)


def _count(row: ExchangeBatch, outcomes: list[Outcome]) -> None:
    counts = {name: sum(1 for o in outcomes if o.outcome == name) for name in ("stored", "corrected", "unchanged",
                                                                               "refused")}
    row.accepted = counts["stored"] + counts["corrected"]
    row.corrected, row.unchanged, row.refused = counts["corrected"], counts["unchanged"], counts["refused"]
    if not row.refused:
        row.status = BatchStatus.ACCEPTED.value
    elif row.accepted or row.unchanged:
        row.status = BatchStatus.PARTIAL.value
    else:
        row.status = BatchStatus.REFUSED.value


def _answer(batch: BatchIn, row: ExchangeBatch, outcomes: list[Outcome]) -> dict[str, Any]:
    return {
        "batch_no": batch.batch_no, "category": batch.category.value, "period": batch.period,
        "sequence": batch.sequence, "status": row.status, "record_count": batch.record_count,
        "accepted": row.accepted, "corrected": row.corrected, "unchanged": row.unchanged, "refused": row.refused,
        "received_at": row.received_at.isoformat(),
        "records": [{"position": o.position, "key": o.key, "outcome": o.outcome, "version": o.version,
                     "problems": [{"field": p.field, "reason": p.reason, "message": p.message} for p in o.problems]}
                    for o in outcomes],
    }
