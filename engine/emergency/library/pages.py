"""What the library pages show: an entry with its version, history, links and review step; guides for a page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.emergency.library import attachments, entries, kinds, links
from engine.emergency.library.kinds import Library
from engine.emergency.library.models import LibraryEntry, LibraryVersion
from engine.emergency.risk import plans, registry
from engine.emergency.risk.models import RiskSubstance
from engine.evidence.models import Attachment
from engine.workflow.models import HumanTask, TaskStatus


@dataclass(frozen=True)
class EntryPage:
    entry: LibraryEntry
    library: Library
    shown: LibraryVersion
    history: list[LibraryVersion]
    latest: LibraryVersion
    referring: list[links.Linked]
    referred: list[links.Linked]
    review_task: str | None
    may_edit: bool
    storing: list[tuple[registry.RiskSource, RiskSubstance]]
    attachments: list[Attachment]


def entry_page(session: Session, actor: Actor, entry_id: int, number: int | None = None) -> EntryPage:
    """:raises NotFound: for an entry or version the actor may not read."""
    entry = entries.get_entry(session, actor, entry_id)
    shown = entries.version(session, actor, entry_id, number) if number else entries.current(session, actor, entry_id)
    history = entries.versions(session, actor, entry_id)
    latest = history[0]
    task = None
    if latest.instance_id is not None and entries.sees_drafts(actor):
        task = session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == latest.instance_id, HumanTask.status == TaskStatus.READY,
            HumanTask.role.in_([role.value for role in actor.roles])))
    fields = shown.fields
    return EntryPage(entry, kinds.library(entry.library), shown, history, latest,
                     links.referring(session, entry.library, fields), links.referred(session, entry), task,
                     entries.may_edit(actor), _storing(session, actor, entry, fields), attachments.of(session, shown))


def _storing(session: Session, actor: Actor, entry: LibraryEntry,
             fields: dict[str, Any]) -> list[tuple[registry.RiskSource, RiskSubstance]]:
    """A chemical's risk-source enterprises (those the actor reads), largest quantity first."""
    if entry.library != "chemical":
        return []
    names = [str(fields.get("name_zh") or ""), *(fields.get("aliases") or [])]
    return registry.storing(session, actor, str(fields.get("cas") or ""), names, today=plans.local_today())


def guides_for(session: Session, endpoint: str | None) -> list[dict[str, Any]]:
    """Published operating guides (操作指引) that name ``endpoint`` among their pages."""
    if not endpoint:
        return []
    rows = session.execute(select(LibraryEntry.id, LibraryVersion.fields).join(
        LibraryVersion, (LibraryVersion.entry_id == LibraryEntry.id)
        & (LibraryVersion.number == LibraryEntry.published_version)).where(LibraryEntry.library == "guide")).tuples()
    return [{"id": i, **f} for i, f in rows if endpoint in (f.get("pages") or [])]
