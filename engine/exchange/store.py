"""Writing accepted records: new ones inserted, corrections overwritten with the old version kept, resends
skipped — set-based, in chunks, for the typed tax-side tables and the generic record table alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.exchange import canonical
from engine.exchange.categories import Category, direction_of
from engine.exchange.models import (
    ExchangeBatch,
    ExchangeRecord,
    ExchangeRecordVersion,
    TaxPayment,
    TaxReturn,
    TaxSource,
    TaxTaxpayer,
)
from engine.exchange.records import EMISSION_UNITS
from engine.exchange.validation import REASONS, Problem

CHUNK = 2000
ENVELOPE = ("id", "record_key", "version", "batch_id", "digest", "updated_at")
TYPED: dict[Category, Any] = {Category.TAXPAYERS: TaxTaxpayer, Category.TAX_SOURCES: TaxSource,
                              Category.TAX_RETURNS: TaxReturn, Category.TAX_PAYMENTS: TaxPayment}
RECORDS: Table = ExchangeRecord.__table__  # type: ignore[assignment]
VERSIONS: Table = ExchangeRecordVersion.__table__  # type: ignore[assignment]

Written = tuple[str, int | None, list[Problem]]  # outcome, version, problems


@dataclass(frozen=True)
class Item:
    """One accepted record ready to write: its key, its columns and its digest."""

    key: str
    values: dict[str, Any]
    digest: str


def write(session: Session, category: Category, batch: ExchangeBatch,
          accepted: Sequence[tuple[str, dict[str, Any], str]]) -> list[Written]:
    """Store accepted (key, record, digest) of a typed category; one (outcome, version, problems) per record."""
    model = TYPED[category]
    items = [Item(key, typed_columns(category, loaded), digest) for key, loaded, digest in accepted]
    return upsert(session, model.__table__, items, batch.id, direction=direction_of(category), category=category)


def typed_columns(category: Category, loaded: dict[str, Any]) -> dict[str, Any]:
    """The typed table's columns of a loaded record (returns' emission normalised to kg)."""
    if category is not Category.TAX_RETURNS:
        return dict(loaded)
    values = {name: value for name, value in loaded.items() if name not in ("emission", "emission_unit")}
    values["emission_kg"] = loaded["emission"] * EMISSION_UNITS[loaded["emission_unit"]]
    return values


def upsert(session: Session, table: Table, items: Sequence[Item], batch_id: int, *, direction: str,
           category: Category) -> list[Written]:
    """Insert new keys, overwrite changed ones (keeping the old version), skip unchanged ones."""
    generic = table is RECORDS
    existing = _existing(session, table, [item.key for item in items], direction, category if generic else None)
    now = utcnow()
    new: list[dict[str, Any]] = []
    changed: list[tuple[tuple[int, str, int], Item]] = []
    results: list[Written] = []
    for item in items:
        old = existing.get(item.key)
        if old is None:
            new.append({**item.values, "record_key": item.key, "version": 1, "batch_id": batch_id,
                        "digest": item.digest, "updated_at": now})
            results.append(("stored", 1, []))
        elif old[1] == item.digest:
            results.append(("unchanged", old[2], []))
        else:
            changed.append((old, item))
            results.append(("corrected", old[2] + 1, []))
    if new:
        for chunk in _chunks(new):
            session.execute(table.insert(), chunk)
    if changed:
        _correct(session, table, changed, batch_id, now, direction, category)
    return results


def _existing(session: Session, table: Table, keys: list[str], direction: str,
              category: Category | None) -> dict[str, tuple[int, str, int]]:
    found: dict[str, tuple[int, str, int]] = {}
    for chunk in _chunks(sorted(set(keys))):
        query = select(table.c.record_key, table.c.id, table.c.digest, table.c.version).where(
            table.c.record_key.in_(chunk))
        if category is not None:
            query = query.where(table.c.direction == direction, table.c.category == category.value)
        rows: list[Any] = list(session.execute(query.with_for_update()))
        found.update((row[0], (row[1], row[2], row[3])) for row in rows)
    return found


def _correct(session: Session, table: Table, changed: list[tuple[tuple[int, str, int], Item]], batch_id: int,
             now: datetime, direction: str, category: Category) -> None:
    content = [c.name for c in table.columns if c.name not in ENVELOPE and c.name not in ("direction", "category")]
    ids = [old[0] for old, _ in changed]
    before = {}
    for chunk in _chunks(ids):
        for row in session.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            before[row["id"]] = row
    session.execute(VERSIONS.insert(), [
        {"direction": direction, "category": category.value, "record_key": item.key, "version": old[2],
         "batch_id": before[old[0]]["batch_id"], "payload": _payload(before[old[0]], content),
         "replaced_by_batch_id": batch_id, "replaced_at": now} for old, item in changed])
    names = (*content, "version", "batch_id", "digest", "updated_at")
    statement = table.update().where(table.c.id == bindparam("b_id")).values(
        {name: bindparam(f"b_{name}") for name in names})
    session.execute(statement, [
        {"b_id": old[0], **{f"b_{name}": item.values.get(name) for name in content}, "b_version": old[2] + 1,
         "b_batch_id": batch_id, "b_digest": item.digest, "b_updated_at": now} for old, item in changed])


def _payload(row: Any, content: Iterable[str]) -> dict[str, Any]:
    if "payload" in content and isinstance(row["payload"], dict):
        return dict(row["payload"])
    return canonical.as_json({name: row[name] for name in content})


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def refused(reason: str, message: str = "", name: str = "record") -> Written:
    """The outcome of a record refused while writing (e.g. its process would not start)."""
    return "refused", None, [Problem(name, reason, (message or REASONS[reason])[:300])]
