"""Evidence (凭证关联): an owner's library of files, and their links to tasks.

Bytes live once per sha256 in the file store; a row per owner and file keeps
the display name and scope. One file may back several tasks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import valid_id
from engine.errors import AttachmentNotFound, NotAllowed
from engine.evidence.filestore import FileStore, safe_display_name
from engine.evidence.filetypes import download_name
from engine.evidence.models import Attachment, TaskAttachment
from engine.scoping import can_see_instance
from engine.workflow.models import HumanTask, ProcessInstance

UPLOADER_ROLES = frozenset({Role.ENTERPRISE, Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER})


def owner_of(actor: Actor) -> str:
    """Enterprise users share one library per credit code; reviewers have their own."""
    if Role.ENTERPRISE in actor.roles and actor.enterprise_code:
        return f"enterprise:{actor.enterprise_code}"
    return f"user:{actor.username}"


def upload(session: Session, store: FileStore, actor: Actor, stream: IO[bytes], filename: str) -> Attachment:
    """Store a file (type checked by content, size limited) in the actor's library.

    :raises NotAllowed: for actors that keep no evidence library.
    :raises InvalidFile: / :raises FileTooLarge: from the store, naming the problem.
    """
    if not actor.roles & UPLOADER_ROLES:
        raise NotAllowed(f"{actor.username} keeps no evidence library")
    stored = store.put(stream, filename)
    owner = owner_of(actor)
    existing = session.scalars(
        select(Attachment).where(Attachment.owner == owner, Attachment.sha256 == stored.sha256)
    ).one_or_none()
    if existing is not None:
        return existing
    attachment = Attachment(
        sha256=stored.sha256, size=stored.size, media_type=stored.media_type,
        display_name=download_name(safe_display_name(filename), stored.media_type), owner=owner, enterprise_code=actor.enterprise_code,
        region_code=actor.region_code, uploaded_by=actor.username,
    )
    session.add(attachment)
    session.flush()
    audit.record(session, actor, "evidence.upload",
                 payload={"attachment": attachment.id, "sha256": stored.sha256, "name": attachment.display_name})
    return attachment


def library(session: Session, actor: Actor) -> list[Attachment]:
    return list(session.scalars(
        select(Attachment).where(Attachment.owner == owner_of(actor)).order_by(Attachment.uploaded_at.desc())
    ))


def own_attachments(session: Session, actor: Actor, attachment_ids: Iterable[int]) -> list[Attachment]:
    """The actor's own attachments with these ids.

    :raises AttachmentNotFound: naming the first id that is not in the actor's library.
    """
    wanted = list(dict.fromkeys(attachment_ids))
    if not wanted:
        return []
    for attachment_id in wanted:
        if not valid_id(attachment_id):
            raise AttachmentNotFound(f"attachment {attachment_id} is not in your evidence library")
    found = {
        a.id: a for a in session.scalars(
            select(Attachment).where(Attachment.id.in_(wanted), Attachment.owner == owner_of(actor))
        )
    }
    for attachment_id in wanted:
        if attachment_id not in found:
            raise AttachmentNotFound(f"attachment {attachment_id} is not in your evidence library")
    return [found[i] for i in wanted]


def link(session: Session, actor: Actor, task: HumanTask, attachments: Iterable[Attachment]) -> None:
    """Link attachments to a task the caller already checked the actor may work."""
    attachments = list(attachments)
    if not attachments:
        return
    already = set(session.scalars(select(TaskAttachment.attachment_id).where(TaskAttachment.task_id == task.id)))
    for attachment in attachments:
        if attachment.id not in already:
            session.add(TaskAttachment(task_id=task.id, attachment_id=attachment.id, linked_by=actor.username))
    session.flush()


def task_attachments(session: Session, task_id: str) -> list[Attachment]:
    return list(session.scalars(
        select(Attachment).join(TaskAttachment, TaskAttachment.attachment_id == Attachment.id)
        .where(TaskAttachment.task_id == task_id).order_by(TaskAttachment.id)
    ))


def open_attachment(session: Session, store: FileStore, actor: Actor, attachment_id: int) -> tuple[Attachment, BinaryIO]:
    """Open a file the actor may read: its own, or evidence of a task whose instance it can see.

    :raises AttachmentNotFound: otherwise (never revealing that the id exists).
    """
    attachment = session.get(Attachment, attachment_id) if valid_id(attachment_id) else None
    if attachment is None or not _may_read(session, actor, attachment):
        raise AttachmentNotFound(f"attachment {attachment_id} not found")
    audit.record(session, actor, "evidence.download", payload={"attachment": attachment.id})
    return attachment, store.open(attachment.sha256)


def _may_read(session: Session, actor: Actor, attachment: Attachment) -> bool:
    if attachment.owner == owner_of(actor) or actor.is_admin:
        return True
    scopes = session.execute(
        select(ProcessInstance.region_code, ProcessInstance.enterprise_code, ProcessInstance.process_key)
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .join(TaskAttachment, TaskAttachment.task_id == HumanTask.id)
        .where(TaskAttachment.attachment_id == attachment.id)
    ).all()
    return any(can_see_instance(actor, region, enterprise, process) for region, enterprise, process in scopes)
