"""The environment side's records for the tax bureau: offered in batches, pulled since a cursor.

:func:`offer` stores records of one category in a new outgoing batch: new keys as version 1, changed content
as a new version (the old one kept), unchanged content not at all, so an offer that changes nothing makes no
batch. A changed record moves to the batch that changed it; the tax side pulls in (batch, record) order from
its cursor, so it sees every change once. A batch counts as sent once the tax client's pulls have passed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import InvalidInput, NotAllowed
from engine.exchange import canonical
from engine.exchange.categories import ENVIRONMENT_SIDE, Category
from engine.exchange.models import BatchStatus, Direction, ExchangeBatch, ExchangeRecord
from engine.exchange.store import RECORDS, Item, upsert

CURSOR = re.compile(r"^(\d{1,10})\.(\d{1,10})$")
MAX_PULL = 5000


@dataclass(frozen=True)
class OutRecord:
    """One environment-side record: its key in the category, whose it is, its period and its content."""

    key: str
    credit_code: str
    region_code: str
    period: str
    payload: dict[str, Any]


def offer(session: Session, category: Category, records: list[OutRecord], *, period: str,
          now: datetime | None = None) -> ExchangeBatch | None:
    """Queue records for the tax side; None when none of them is new or changed."""
    if category not in ENVIRONMENT_SIDE:
        raise ValueError(f"{category} is not an environment-side category")
    stamp = now or utcnow()
    sequence = _next_sequence(session, category)
    batch = ExchangeBatch(direction=Direction.OUT.value, category=category.value,
                          batch_no=f"OUT-{category.value}-{sequence:06d}", period=period[:10],
                          sequence=sequence, record_count=0, checksum="",
                          status=BatchStatus.PUBLISHED.value, sender="system", received_at=stamp)
    session.add(batch)
    session.flush()
    items = [Item(r.key[:200], {"direction": Direction.OUT.value, "category": category.value,
                                "credit_code": r.credit_code, "region_code": r.region_code, "period": r.period[:10],
                                "payload": canonical.as_json(r.payload)}, canonical.digest(r.payload))
             for r in records]
    written = upsert(session, RECORDS, items, batch.id, direction=Direction.OUT.value, category=category)
    changed = [item for item, (outcome, _, _) in zip(items, written) if outcome != "unchanged"]
    if not changed:
        session.delete(batch)
        session.flush()
        return None
    batch.record_count = batch.accepted = len(changed)
    batch.corrected = sum(1 for outcome, _, _ in written if outcome == "corrected")
    batch.unchanged = len(items) - len(changed)
    batch.checksum = canonical.checksum([item.values["payload"] for item in changed])
    return batch


def _next_sequence(session: Session, category: Category) -> int:
    last = session.scalar(select(func.max(ExchangeBatch.sequence)).where(
        ExchangeBatch.direction == Direction.OUT.value, ExchangeBatch.category == category.value))
    return int(last or 0) + 1


def queue_review_feedback(session: Session, *, key: str, credit_code: str, region_code: str, tax_period: str,
                          conclusion: str, opinion: str, reviewed_emission_kg: float | None = None,
                          reviewed_concentration: float | None = None, source: str = "inspection",
                          answered_at: datetime | None = None) -> ExchangeBatch | None:
    """Offer one review-feedback record (复核反馈); the same key again corrects it (with history)."""
    payload = {"request_no": key, "credit_code": credit_code, "tax_period": tax_period, "source": source,
               "conclusion": conclusion, "opinion": opinion, "reviewed_emission_kg": reviewed_emission_kg,
               "reviewed_concentration": reviewed_concentration,
               "answered_at": (answered_at or utcnow()).isoformat()}
    return offer(session, Category.REVIEW_FEEDBACK, [OutRecord(key, credit_code, region_code, tax_period, payload)],
                 period=tax_period)


@dataclass(frozen=True)
class PulledPage:
    category: str
    records: list[dict[str, Any]]
    cursor: str
    more: bool


def parse_cursor(cursor: str) -> tuple[int, int]:
    """``"<batch>.<record>"`` (``""`` or ``"0"`` for the beginning).

    :raises InvalidInput: naming the cursor when it is malformed.
    """
    if cursor in ("", "0"):
        return 0, 0
    match = CURSOR.match(cursor)
    if match is None:
        raise InvalidInput("游标格式有误 (malformed cursor)", fields={"cursor": ["须为上次返回的 cursor 值"]})
    return int(match.group(1)), int(match.group(2))


def pull(session: Session, actor: Actor, category: Category, cursor: str, limit: int = 1000) -> PulledPage:
    """The category's records changed after the cursor, oldest change first; the tax client's pulls mark the
    batches they have passed as sent.

    :raises NotAllowed: neither the tax client nor an administrator.
    :raises InvalidInput: a tax-side category, or a malformed cursor.
    """
    if not (actor.is_admin or Role.TAX_CLIENT in actor.roles):
        raise NotAllowed("仅税务部门可拉取交换数据 (only the tax bureau pulls exchange data)")
    if category not in ENVIRONMENT_SIDE:
        raise InvalidInput("该类别由税务部门报送 (a tax-side category)", fields={"category": ["须为生态环境部门提供的类别"]})
    batch_id, record_id = parse_cursor(cursor)
    limit = max(1, min(limit, MAX_PULL))
    rows = session.execute(select(ExchangeRecord, ExchangeBatch.batch_no).join(
        ExchangeBatch, ExchangeBatch.id == ExchangeRecord.batch_id).where(
        ExchangeRecord.direction == Direction.OUT.value, ExchangeRecord.category == category.value,
        or_(ExchangeRecord.batch_id > batch_id, and_(ExchangeRecord.batch_id == batch_id,
                                                     ExchangeRecord.id > record_id)))
        .order_by(ExchangeRecord.batch_id, ExchangeRecord.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = (rows[-1][0].batch_id, rows[-1][0].id) if rows else (batch_id, record_id)
    if Role.TAX_CLIENT in actor.roles:
        _mark_sent(session, category, last[0] if more else None, last[0])
        audit.record(session, actor, "exchange.pull", payload={"category": category.value, "cursor": cursor,
                                                               "records": len(rows)})
    records = [{"key": r.record_key, "version": r.version, "batch_no": batch_no, "credit_code": r.credit_code,
                "region_code": r.region_code, "period": r.period, "payload": r.payload,
                "updated_at": r.updated_at.isoformat()} for r, batch_no in rows]
    return PulledPage(category.value, records, f"{last[0]}.{last[1]}", more)


def _mark_sent(session: Session, category: Category, below: int | None, through: int) -> None:
    """Batches wholly pulled: those before the page's last batch, and that one too when nothing is left."""
    passed = ExchangeBatch.id < below if below is not None else ExchangeBatch.id <= through
    session.execute(update(ExchangeBatch).where(
        ExchangeBatch.direction == Direction.OUT.value, ExchangeBatch.category == category.value,
        ExchangeBatch.status == BatchStatus.PUBLISHED.value, passed).values(
        status=BatchStatus.SENT.value, sent_at=utcnow()).execution_options(synchronize_session=False))
