"""Linking evidence from the actor's library to a task it works, outside a completion (API clients)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.errors import AttachmentNotFound, InvalidInput
from engine.evidence import library as evidence
from engine.evidence.models import Attachment
from engine.tasks import actions as tasks

MAX_LINKS = 50


def link_to_task(session: Session, actor: Actor, task_id: str, attachment_ids: list[int]) -> list[Attachment]:
    """Link attachments of the actor's own library to a ready task the actor may work.

    :raises TaskNotFound: the task lies outside the actor's scope.
    :raises NotAllowed: the actor may not work the task.
    :raises InvalidInput: no ids, too many, or an id that is not in the actor's library.
    """
    task = tasks.workable(session, actor, task_id)
    if not attachment_ids or len(attachment_ids) > MAX_LINKS:
        raise InvalidInput("请选择证明材料 (no attachments)",
                           fields={"attachment_ids": [f"1–{MAX_LINKS} 个附件 (1–{MAX_LINKS} ids)"]})
    try:
        attachments = evidence.own_attachments(session, actor, attachment_ids)
    except AttachmentNotFound as exc:
        raise InvalidInput("证明材料无效 (invalid evidence)", fields={"attachment_ids": [exc.message]}) from None
    evidence.link(session, actor, task, attachments)
    audit.record(session, actor, "evidence.link", instance_id=task.instance_id, task_id=task.id,
                 payload={"attachments": [a.id for a in attachments]})
    return evidence.task_attachments(session, task.id)
