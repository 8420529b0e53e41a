"""A stored record's versions: the one in force and every one a correction replaced, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import NotFound
from engine.exchange import canonical
from engine.exchange.categories import Category, direction_of
from engine.exchange.models import ExchangeRecordVersion
from engine.exchange.status import require_viewer
from engine.exchange.store import ENVELOPE, RECORDS, TYPED


@dataclass(frozen=True)
class Version:
    version: int
    batch_id: int
    content: dict[str, Any]
    replaced_at: datetime | None  # None for the version in force


def record_history(session: Session, actor: Actor, category: Category, key: str) -> list[Version]:
    """Every version of the record, the one in force first.

    :raises NotAllowed: see :func:`engine.exchange.status.require_viewer`.
    :raises NotFound: no record of that key in the category.
    """
    require_viewer(actor)
    current = _current(session, category, key[:200])
    if current is None:
        raise NotFound(f"record {key!r} of {category.value} not found")
    older = session.scalars(select(ExchangeRecordVersion).where(
        ExchangeRecordVersion.category == category.value, ExchangeRecordVersion.record_key == key[:200],
        ExchangeRecordVersion.direction == direction_of(category)).order_by(ExchangeRecordVersion.version.desc()))
    return [current, *(Version(v.version, v.batch_id, v.payload, v.replaced_at) for v in older)]


def _current(session: Session, category: Category, key: str) -> Version | None:
    table = TYPED[category].__table__ if category in TYPED else RECORDS
    query = select(table).where(table.c.record_key == key)
    if table is RECORDS:
        query = query.where(table.c.direction == direction_of(category), table.c.category == category.value)
    row = session.execute(query).mappings().first()
    if row is None:
        return None
    if table is RECORDS:
        content = dict(row["payload"])
    else:
        content = canonical.as_json({name: value for name, value in row.items() if name not in ENVELOPE})
    return Version(row["version"], row["batch_id"], content, None)
