"""The starter libraries: facts entered from public sources (each with its citation), published as version 1.

Files live in ``engine/data/emergency_library/``: ``chemicals.csv`` (GB 18218-2018 table 1),
``policies.json``, ``cases.json``, ``techniques.json``, ``guides.json``. Seeding is idempotent
(an entry of the same library and title is left alone) and needs no migration of its own.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM, Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.emergency.library import entries, kinds
from engine.emergency.library.models import LibraryEntry, LibraryVersion

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "emergency_library"
FILES = {"chemical": "chemicals.csv", "policy": "policies.json", "case": "cases.json",
         "technique": "techniques.json", "guide": "guides.json"}


def starter_rows(library: str) -> list[dict[str, Any]]:
    """The starter records of a library, each with its ``source``."""
    path = DATA_DIR / FILES[library]
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows: list[dict[str, Any]] = [dict(r) for r in csv.DictReader(handle)]
        for row in rows:
            row["source"] = f"{row.get('critical_quantity_basis') or 'GB 18218-2018'}（危险化学品重大危险源辨识）"
        return rows
    return list(json.loads(path.read_text(encoding="utf-8")))


def seed(session: Session, actor: Actor = SYSTEM) -> dict[str, int]:
    """Publish every starter record not there yet; returns how many were added per library."""
    added: dict[str, int] = {}
    today = utcnow().date()
    for key in FILES:
        lib = kinds.library(key)
        known = set(session.scalars(select(LibraryEntry.title).where(LibraryEntry.library == key)))
        added[key] = 0
        for row in starter_rows(key):
            source = str(row.pop("source", ""))
            fields = kinds.clean(lib, row, today=today)
            title = kinds.title_of(lib, fields)
            if title in known:
                continue
            entry = LibraryEntry(library=key, title=title, status="draft", created_by=actor.username)
            session.add(entry)
            session.flush()
            version = LibraryVersion(entry_id=entry.id, number=1, status="draft", fields=fields, source=source,
                                     attachments=[], drafted_by=actor.username)
            session.add(version)
            session.flush()
            entries.publish(session, actor, version)
            known.add(title)
            added[key] += 1
    audit.record(session, actor, "library.seeded", payload=added)
    log.info("starter libraries seeded: %s", added)
    return added
