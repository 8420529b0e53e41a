"""Links across the libraries: a chemical's cases, techniques and citing documents; a document's amendments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.emergency.library import kinds
from engine.emergency.library.identifiers import normal_document_number
from engine.emergency.library.models import LibraryEntry, LibraryLink, LibraryVersion


def key(value: str) -> str:
    return normal_document_number(value).lower()[:200]


def keys_of(library: str, fields: dict[str, Any]) -> set[str]:
    """What references to this entry may say: a chemical's CAS number, name and aliases; a document's number or title."""
    if library == "chemical":
        values = [fields.get("cas"), fields.get("name_zh"), *(fields.get("aliases") or [])]
    elif library == "policy":
        values = [fields.get("document_number"), fields.get("title")]
    else:
        values = []
    return {key(str(v)) for v in values if v}


def rebuild(session: Session, entry: LibraryEntry, fields: dict[str, Any]) -> None:
    """Replace the links written by ``entry`` with those of its published ``fields``."""
    session.execute(delete(LibraryLink).where(LibraryLink.from_entry_id == entry.id))
    lib = kinds.library(entry.library)
    seen: set[tuple[str, str, str]] = set()
    for spec in lib.fields:
        if spec.refs is None:
            continue
        target, relation = spec.refs
        for item in fields.get(spec.name) or []:
            row = (target, key(str(item)), relation)
            if row[1] and row not in seen:
                seen.add(row)
                session.add(LibraryLink(from_entry_id=entry.id, target_library=target, target_key=row[1],
                                        relation=relation))
    session.flush()


@dataclass(frozen=True)
class Linked:
    relation: str
    entry: LibraryEntry


def referring(session: Session, library: str, fields: dict[str, Any]) -> list[Linked]:
    """Published entries whose references point at the entry with these fields, by relation then title."""
    wanted = keys_of(library, fields)
    if not wanted:
        return []
    rows = session.execute(
        select(LibraryLink.relation, LibraryEntry).join(LibraryEntry, LibraryEntry.id == LibraryLink.from_entry_id)
        .where(LibraryLink.target_library == library, LibraryLink.target_key.in_(wanted),
               LibraryEntry.published_version.is_not(None))
        .order_by(LibraryLink.relation, LibraryEntry.title)).all()
    unique: dict[tuple[str, int], Linked] = {}
    for relation, entry in rows:
        unique.setdefault((relation, entry.id), Linked(relation, entry))
    return list(unique.values())


def referred(session: Session, entry: LibraryEntry) -> list[Linked]:
    """Published entries this entry points at (its chemicals, the documents it amends or repeals)."""
    out: list[Linked] = []
    for link in session.scalars(select(LibraryLink).where(LibraryLink.from_entry_id == entry.id)):
        for target in _by_key(session, link.target_library, link.target_key):
            out.append(Linked(link.relation, target))
    return out


def _by_key(session: Session, library: str, wanted: str) -> list[LibraryEntry]:
    rows = session.execute(
        select(LibraryEntry, LibraryVersion.fields).join(LibraryVersion, (LibraryVersion.entry_id == LibraryEntry.id)
                                                         & (LibraryVersion.number == LibraryEntry.published_version))
        .where(LibraryEntry.library == library)).tuples()
    return [entry for entry, fields in rows if wanted in keys_of(library, fields)]
