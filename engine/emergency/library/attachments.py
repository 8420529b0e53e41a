"""Attachments of library entries (the full text as PDF, a safety data sheet, photos): files of a version.

The bytes go to the evidence file store (type checked by content, size limited, stored once per
sha256) under the shared owner ``library``; a version lists its attachment ids, so adding or
removing one drafts a change that the province reviews like any other. Whoever may read a
version may download its attachments.
"""

from __future__ import annotations

from typing import IO, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.emergency.library import entries
from engine.emergency.library.models import LibraryVersion
from engine.errors import AttachmentNotFound, InvalidInput
from engine.evidence.filestore import FileStore, safe_display_name
from engine.evidence.filetypes import download_name
from engine.evidence.models import Attachment

OWNER = "library"
MAX_PER_VERSION = 20


def add(session: Session, store: FileStore, actor: Actor, entry_id: int, stream: IO[bytes],
        filename: str) -> LibraryVersion:
    """Store the file and add it to the entry's open draft (a new draft when the latest is published).

    :raises NotAllowed: unless the actor is an editor. :raises Conflict: while a version is under review.
    :raises InvalidFile: / :raises FileTooLarge: from the store. :raises InvalidInput: past the limit.
    """
    entries.require_editor(actor)
    entries.get_entry(session, actor, entry_id)
    latest = entries.latest_version(session, entry_id)
    if len(latest.attachments) >= MAX_PER_VERSION:
        raise InvalidInput("too many attachments", fields={"file": [f"每个版本最多 {MAX_PER_VERSION} 个附件"]})
    stored = store.put(stream, filename)
    attachment = session.scalars(select(Attachment).where(Attachment.owner == OWNER,
                                                          Attachment.sha256 == stored.sha256)).first()
    if attachment is None:
        attachment = Attachment(sha256=stored.sha256, size=stored.size, media_type=stored.media_type,
                                display_name=download_name(safe_display_name(filename), stored.media_type),
                                owner=OWNER, enterprise_code=None, region_code=actor.region_code,
                                uploaded_by=actor.username)
        session.add(attachment)
        session.flush()
    ids = list(dict.fromkeys([*latest.attachments, attachment.id]))
    version = entries.revise(session, actor, entry_id, latest.fields, attachments=ids)
    audit.record(session, actor, "library.attachment_added", payload={
        "entry": entry_id, "version": version.id, "attachment": attachment.id, "sha256": stored.sha256})
    return version


def remove(session: Session, actor: Actor, entry_id: int, attachment_id: int) -> LibraryVersion:
    """Drop an attachment from the entry's open draft (a new draft when the latest is published).

    :raises AttachmentNotFound: when the latest version has no such attachment.
    """
    entries.require_editor(actor)
    entries.get_entry(session, actor, entry_id)
    latest = entries.latest_version(session, entry_id)
    if attachment_id not in latest.attachments:
        raise AttachmentNotFound(f"attachment {attachment_id} not found")
    version = entries.revise(session, actor, entry_id, latest.fields,
                             attachments=[i for i in latest.attachments if i != attachment_id])
    audit.record(session, actor, "library.attachment_removed", payload={
        "entry": entry_id, "version": version.id, "attachment": attachment_id})
    return version


def of(session: Session, version: LibraryVersion) -> list[Attachment]:
    """The version's attachments in the order they were added."""
    if not version.attachments:
        return []
    found = {a.id: a for a in session.scalars(select(Attachment).where(Attachment.id.in_(version.attachments)))}
    return [found[i] for i in version.attachments if i in found]


def open_file(session: Session, store: FileStore, actor: Actor, entry_id: int, number: int,
              attachment_id: int) -> tuple[Attachment, BinaryIO]:
    """A file of a version the actor may read.

    :raises NotFound: for a version the actor may not read. :raises AttachmentNotFound: when it has no such file.
    """
    version = entries.version(session, actor, entry_id, number)
    attachment = next((a for a in of(session, version) if a.id == attachment_id), None)
    if attachment is None:
        raise AttachmentNotFound(f"attachment {attachment_id} not found")
    audit.record(session, actor, "evidence.download", payload={"attachment": attachment.id, "entry": entry_id})
    return attachment, store.open(attachment.sha256)
