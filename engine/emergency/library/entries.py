"""Library entries: drafts, versions, publication and reading.

Editors (administrators) draft; a draft goes through the ``library_entry_review`` process
(:mod:`engine.emergency.library.review`); publishing makes it the entry's current version,
supersedes the one before (still readable), rebuilds its links and its search row.
Every logged-in role reads published entries; editors and reviewers also see drafts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow
from engine.emergency.library import kinds, links, search
from engine.emergency.library.models import LibraryEntry, LibraryVersion
from engine.errors import Conflict, NotAllowed, NotFound

log = logging.getLogger(__name__)

EDITOR_ROLES = frozenset({Role.ADMIN})
REVIEWER_ROLES = frozenset({Role.ADMIN, Role.PROVINCE_REVIEWER})
OPEN_STATES = ("draft", "returned")


def may_edit(actor: Actor) -> bool:
    return bool(actor.roles & EDITOR_ROLES)


def require_editor(actor: Actor) -> None:
    """:raises NotAllowed: unless the actor edits the libraries (administrators)."""
    if not may_edit(actor):
        raise NotAllowed(f"{actor.username} 不是资源库编辑 (only library editors may draft entries)")


def sees_drafts(actor: Actor) -> bool:
    return bool(actor.roles & REVIEWER_ROLES)


def create_draft(session: Session, actor: Actor, library: str, fields: dict[str, Any], *,
                 source: str = "", attachments: list[int] | None = None) -> LibraryVersion:
    """A new entry with its first version as a draft.

    :raises NotAllowed: unless the actor is an editor.
    :raises InvalidInput: naming the fields that are wrong.
    """
    require_editor(actor)
    lib = kinds.library(library)
    cleaned = kinds.clean(lib, fields, today=utcnow().date())
    entry = LibraryEntry(library=lib.key, title=kinds.title_of(lib, cleaned), status="draft", created_by=actor.username)
    session.add(entry)
    session.flush()
    version = _new_version(session, actor, entry, 1, cleaned, source, attachments)
    audit.record(session, actor, "library.drafted", payload={"entry": entry.id, "version": version.id,
                                                             "library": lib.key, "number": 1})
    return version


def revise(session: Session, actor: Actor, entry_id: int, fields: dict[str, Any], *,
           source: str | None = None, attachments: list[int] | None = None) -> LibraryVersion:
    """Change an entry: the open draft (or returned version) is updated, else a new draft version is made.

    :raises NotAllowed: unless the actor is an editor.
    :raises Conflict: while a version of the entry is under review.
    :raises InvalidInput: naming the fields that are wrong.
    """
    require_editor(actor)
    entry = _entry(session, entry_id)
    lib = kinds.library(entry.library)
    cleaned = kinds.clean(lib, fields, today=utcnow().date())
    latest = latest_version(session, entry.id)
    if latest.status == "under_review":
        raise Conflict(f"entry {entry.id} has a version under review")
    if latest.status in OPEN_STATES:
        latest.fields, latest.status = cleaned, latest.status
        latest.source = latest.source if source is None else source
        latest.attachments = latest.attachments if attachments is None else list(attachments)
        version = latest
    else:
        version = _new_version(session, actor, entry, latest.number + 1, cleaned,
                               latest.source if source is None else source,
                               latest.attachments if attachments is None else attachments)
    if entry.published_version is None:
        entry.title = kinds.title_of(lib, cleaned)
    entry.updated_at = utcnow()
    audit.record(session, actor, "library.revised", payload={"entry": entry.id, "version": version.id,
                                                             "number": version.number})
    session.flush()
    return version


def _new_version(session: Session, actor: Actor, entry: LibraryEntry, number: int, fields: dict[str, Any],
                 source: str, attachments: list[int] | None) -> LibraryVersion:
    version = LibraryVersion(entry_id=entry.id, number=number, status="draft", fields=fields, source=source,
                             attachments=list(attachments or []), drafted_by=actor.username)
    session.add(version)
    session.flush()
    return version


def publish(session: Session, actor: Actor | str, version: LibraryVersion) -> LibraryEntry:
    """Make ``version`` the entry's published version (the one before is superseded, still readable)."""
    entry = _entry(session, version.entry_id)
    for older in session.scalars(select(LibraryVersion).where(
            LibraryVersion.entry_id == entry.id, LibraryVersion.status == "published")):
        older.status = "superseded"
    lib = kinds.library(entry.library)
    version.status, version.published_at = "published", utcnow()
    version.reviewed_by = actor if isinstance(actor, str) else actor.username
    entry.status, entry.published_version = "published", version.number
    entry.title, entry.updated_at = kinds.title_of(lib, version.fields), utcnow()
    session.flush()
    links.rebuild(session, entry, version.fields)
    search.index(session, entry, version.fields)
    audit.record(session, actor, "library.published", payload={"entry": entry.id, "version": version.id,
                                                                "number": version.number, "library": entry.library})
    log.info("library entry %s published as version %s", entry.id, version.number)
    return entry


def get_entry(session: Session, actor: Actor, entry_id: int) -> LibraryEntry:
    """:raises NotFound: when there is no such entry, or it was never published and the actor sees no drafts."""
    entry = session.get(LibraryEntry, entry_id) if 0 < entry_id < 2**31 else None
    if entry is None or (entry.published_version is None and not sees_drafts(actor)):
        raise NotFound(f"library entry {entry_id} not found")
    return entry


def versions(session: Session, actor: Actor, entry_id: int) -> list[LibraryVersion]:
    """The entry's versions, newest first (drafts only for editors and reviewers)."""
    entry = get_entry(session, actor, entry_id)
    rows = session.scalars(select(LibraryVersion).where(LibraryVersion.entry_id == entry.id)
                           .order_by(LibraryVersion.number.desc())).all()
    return [v for v in rows if sees_drafts(actor) or v.status in ("published", "superseded")]


def version(session: Session, actor: Actor, entry_id: int, number: int) -> LibraryVersion:
    """:raises NotFound: for an unknown or unreadable version."""
    found = next((v for v in versions(session, actor, entry_id) if v.number == number), None)
    if found is None:
        raise NotFound(f"version {number} of library entry {entry_id} not found")
    return found


def current(session: Session, actor: Actor, entry_id: int) -> LibraryVersion:
    """The published version, or (for editors and reviewers) the latest draft of a never-published entry."""
    entry = get_entry(session, actor, entry_id)
    number = entry.published_version or latest_version(session, entry.id).number
    return version(session, actor, entry_id, number)


def latest_version(session: Session, entry_id: int) -> LibraryVersion:
    return session.scalars(select(LibraryVersion).where(LibraryVersion.entry_id == entry_id)
                           .order_by(LibraryVersion.number.desc()).limit(1)).one()


@dataclass(frozen=True)
class Listing:
    entries: list[LibraryEntry]
    total: int


def listing(session: Session, actor: Actor, library: str, *, status: str | None = None,
            page: int = 1, per_page: int = 50) -> Listing:
    """A library's entries, newest change first; only published ones for roles that see no drafts."""
    lib = kinds.library(library)
    query = select(LibraryEntry).where(LibraryEntry.library == lib.key)
    if not sees_drafts(actor):
        query = query.where(LibraryEntry.published_version.is_not(None))
    if status:
        query = query.where(LibraryEntry.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(LibraryEntry.updated_at.desc(), LibraryEntry.id.desc())
                           .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return Listing(list(rows), total)


def counts(session: Session) -> dict[str, int]:
    """Published entries per library."""
    rows = session.execute(select(LibraryEntry.library, func.count()).where(LibraryEntry.published_version.is_not(None))
                           .group_by(LibraryEntry.library)).all()
    return {lib: 0 for lib in kinds.LIBRARIES} | {str(lib): int(n) for lib, n in rows}


def _entry(session: Session, entry_id: int) -> LibraryEntry:
    entry = session.get(LibraryEntry, entry_id) if 0 < entry_id < 2**31 else None
    if entry is None:
        raise NotFound(f"library entry {entry_id} not found")
    return entry


def version_by_id(session: Session, version_id: int) -> LibraryVersion:
    found = session.get(LibraryVersion, version_id) if 0 < version_id < 2**31 else None
    if found is None:
        raise NotFound(f"library version {version_id} not found")
    return found


def published_between(session: Session, start: datetime, end: datetime) -> list[LibraryVersion]:
    """Versions published in [start, end) — version 1 is a new entry, later numbers are updates."""
    return list(session.scalars(select(LibraryVersion).where(
        LibraryVersion.published_at >= start, LibraryVersion.published_at < end)))
