"""Small helpers shared by the domain services: local dates, numbering, steps of an instance, filing in one go."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from engine.actors import Actor, Role
from engine.db import utcnow
from engine.errors import AttachmentNotFound, Conflict, InvalidForm, NotAllowed
from engine.evidence import library as evidence
from engine.instances import service as instances
from engine.tasks import actions as tasks
from engine.workflow.deployment import active_model, form_of
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER_ATTEMPTS = 5


def local_year(moment: datetime | None = None) -> int:
    return (moment or utcnow()).astimezone(SHANGHAI).year


def local_date(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d")


def next_sequence(session: Session, column: InstrumentedAttribute[Any], prefix: str) -> int:
    """One more than the highest ``<prefix><n>…`` number in ``column`` (numbers are digits after the prefix)."""
    highest = 0
    for (value,) in session.execute(select(column).where(column.startswith(prefix, autoescape=True))):
        digits = ""
        for char in str(value)[len(prefix):]:
            if not char.isdigit():
                break
            digits += char
        highest = max(highest, int(digits or 0))
    return highest + 1


def assign_number(session: Session, row: Any, attribute: str, make: Callable[[], str]) -> str:
    """Set a unique number on ``row``; when a concurrent writer took it first, try the next one.

    :raises Conflict: when no free number was found after a few attempts.
    """
    for _ in range(NUMBER_ATTEMPTS):
        number = make()
        try:
            with session.begin_nested():
                setattr(row, attribute, number)
                session.flush()
            return number
        except IntegrityError:
            continue
    raise Conflict(f"could not assign a unique {attribute}; please retry")


def ready_step(session: Session, instance_id: int, spec_name: str) -> HumanTask | None:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.spec_name == spec_name,
        HumanTask.status == TaskStatus.READY)).first()


def last_completed(session: Session, instance_id: int) -> HumanTask | None:
    return session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.COMPLETED)
        .order_by(HumanTask.completed_at.desc(), HumanTask.created_at.desc()).limit(1)
    ).first()


def require_own_enterprise(actor: Actor, enterprise_code: str | None, what: str) -> None:
    """:raises NotAllowed: unless the actor is the enterprise the request is about."""
    if Role.ENTERPRISE not in actor.roles or not actor.enterprise_code or actor.enterprise_code != enterprise_code:
        raise NotAllowed(f"只有企业本身可以{what} (only the enterprise itself may do this)")


def start_and_submit(
    session: Session, actor: Actor, request: instances.StartRequest, form_key: str, data: Mapping[str, Any]
) -> ProcessInstance:
    """Start a process and complete its first step (the enterprise's submission) in one transaction.

    The form and the evidence are checked before anything is written, so a bad submission leaves nothing behind.

    :raises InvalidForm: naming the fields that are wrong.
    """
    form = form_of(active_model(session, request.process_key), form_key)
    cleaned = form.validate(dict(data))
    for field in form.fields:
        if field["type"] == "attachments":
            try:
                evidence.own_attachments(session, actor, cleaned.get(field["name"]) or [])
            except AttachmentNotFound as exc:
                raise InvalidForm("证明材料无效 (invalid evidence)", fields={field["name"]: [exc.message]}) from None
    row = instances.start(session, actor, request)
    first = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == row.id, HumanTask.status == TaskStatus.READY, HumanTask.form_key == form_key)).one()
    tasks.complete(session, actor, first.id, dict(data))
    return row


def field_messages(messages: Any) -> dict[str, list[str]]:
    """marshmallow's messages as the ``fields`` of :class:`InvalidInput` (field name → texts)."""
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    return {name: [str(value)] if not isinstance(value, list) else [str(v) for v in value]
            for name, value in messages.items()}
