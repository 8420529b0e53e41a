"""技术支持工单 (support_ticket): faults and support needs in the monitoring subsystems — the 技术支持表.

Anyone may report; technical support staff (the admin role) triage the ticket
to a handler, who investigates, verifies, coordinates with the vendor and
follows up; the reporter confirms (or the ticket closes itself after
``confirm_deadline``). Unresolved tickets reopen up to ``max_reopen_rounds``
times, then are escalated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import AttachmentNotFound, InvalidForm, InvalidInput, NotAllowed, NotFound
from engine.evidence import library as evidence
from engine.identity.models import LocalUser
from engine.instances import service as instances
from engine.instances.casework import (
    SHANGHAI,
    assign_number,
    field_messages,
    next_sequence,
)
from engine.support.models import SupportTicket
from engine.workflow.hooks import ProcessHooks, StartContext, StepContext
from engine.workflow.models import HumanTask, TaskStatus

PROCESS_KEY = "support_ticket"
HOOKS = ProcessHooks(PROCESS_KEY)
SUPPORT_ROLES = frozenset({Role.ADMIN, Role.PROVINCE_REVIEWER})
MAX_ATTACHMENTS = 20

HOOKS.starters(Role.ENTERPRISE, Role.TAX_CLIENT)


class TicketReport(Schema):
    """The start data of a ticket: what the reporter says."""

    class Meta:
        unknown = RAISE

    subsystem = fields.String(required=True, validate=validate.Length(min=1, max=60))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    contact = fields.String(load_default="", validate=validate.Length(max=100))
    attachments = fields.List(fields.Integer(strict=True), load_default=list,
                              validate=validate.Length(max=MAX_ATTACHMENTS))  # ids in the reporter's library


@HOOKS.before_start
def _accept_report(context: StartContext) -> dict[str, Any]:
    try:
        report: dict[str, Any] = TicketReport().load(dict(context.data))
    except ValidationError as exc:
        raise InvalidInput("工单信息有误 (invalid report)", fields=field_messages(exc.messages)) from None
    known = context.config.get("subsystems") or []
    if known and report["subsystem"] not in known:
        raise InvalidInput("unknown subsystem", fields={"subsystem": [f"须为以下之一: {', '.join(known)}"]})
    try:
        evidence.own_attachments(context.session, context.actor, report["attachments"])
    except AttachmentNotFound as exc:
        raise InvalidInput("证明材料无效 (invalid evidence)", fields={"attachments": [exc.message]}) from None
    return {**report, "reporter": context.actor.username, "kind": report["subsystem"]}


@HOOKS.after("start")
def _register(context: StepContext) -> None:
    session, data, instance = context.session, context.data, context.instance
    ticket = SupportTicket(
        ticket_no=f"pending-{instance.id}", instance_id=instance.id, subsystem=data["subsystem"],
        summary=data["summary"], description=data["description"], reporter=data["reporter"],
        contact=data.get("contact") or "", region_code=instance.region_code, enterprise_code=instance.enterprise_code,
        status="open")
    session.add(ticket)
    session.flush()
    prefix = f"JS-{utcnow().astimezone(SHANGHAI):%Y%m}-"
    assign_number(session, ticket, "ticket_no",
                  lambda: f"{prefix}{next_sequence(session, SupportTicket.ticket_no, prefix):04d}")
    _attach_report_evidence(context)


def _attach_report_evidence(context: StepContext) -> None:
    """The reporter's files go with the first step, so whoever may open the ticket may read them."""
    ids = list(context.data.get("attachments") or [])
    first = context.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == context.instance.id, HumanTask.status == TaskStatus.READY)
        .order_by(HumanTask.created_at)).first()
    if ids and first is not None:
        evidence.link(context.session, context.actor, first, evidence.own_attachments(context.session, context.actor, ids))


@HOOKS.after("triage")
def _assign(context: StepContext) -> None:
    handler = str(context.data.get("handler") or "").strip()
    known = context.session.scalars(select(LocalUser).where(LocalUser.username == handler)).first()
    if known is not None and (known.disabled or Role.ADMIN.value not in known.roles):
        raise InvalidForm("处理人须为技术支持人员 (the handler must be support staff)",
                          fields={"handler": [f"{handler} 不是技术支持人员 (not support staff)"]})
    ticket = _of(context.session, context.instance.id)
    ticket.category, ticket.priority, ticket.handler = context.data.get("category"), context.data.get("priority"), handler
    ticket.status = "assigned"


@HOOKS.after("investigate")
def _investigated(context: StepContext) -> None:
    ticket = _of(context.session, context.instance.id)
    ticket.findings, ticket.cause = str(context.data.get("findings") or ""), context.data.get("cause")


@HOOKS.after("coordinate")
def _vendor(context: StepContext) -> None:
    ticket = _of(context.session, context.instance.id)
    ticket.vendor, ticket.vendor_ref = context.data.get("vendor"), context.data.get("vendor_ref")


@HOOKS.after("follow_up")
def _followed(context: StepContext) -> None:
    ticket = _of(context.session, context.instance.id)
    ticket.resolution = str(context.data.get("resolution") or "")


@HOOKS.after("confirm")
def _confirmed(context: StepContext) -> None:
    if context.data.get("confirmation") == "unresolved":
        ticket = _of(context.session, context.instance.id)
        ticket.reopen_count += 1


@HOOKS.after("confirm_timer")
def _auto_close(context: StepContext) -> None:
    _of(context.session, context.instance.id).auto_closed = True


@HOOKS.after("end_closed", "end_escalated")
def _close(context: StepContext) -> None:
    ticket = _of(context.session, context.instance.id)
    ticket.status = "closed" if context.element_id == "end_closed" else "escalated"
    ticket.closed_at = utcnow()
    audit.record(context.session, context.actor, "ticket.closed" if ticket.status == "closed" else "ticket.escalated",
                 instance_id=context.instance.id,
                 payload={"ticket": ticket.ticket_no, "auto_closed": ticket.auto_closed,
                          "reopened": ticket.reopen_count})


def _of(session: Session, instance_id: int) -> SupportTicket:
    return session.scalars(select(SupportTicket).where(SupportTicket.instance_id == instance_id)).one()


@dataclass(frozen=True)
class SupportRow:
    """One line of the 技术支持表: the ticket and the step it waits at (None when finished)."""

    ticket: SupportTicket
    stage: str | None


def support_table(
    session: Session, actor: Actor, since: datetime | None = None, until: datetime | None = None
) -> list[SupportRow]:
    """The technical support record for a period, oldest first (support staff and province reviewers).

    :raises NotAllowed: for other roles.
    """
    if not actor.roles & SUPPORT_ROLES:
        raise NotAllowed("技术支持表仅限技术支持人员查看 (support staff only)")
    query = select(SupportTicket).order_by(SupportTicket.opened_at, SupportTicket.id)
    if since is not None:
        query = query.where(SupportTicket.opened_at >= since)
    if until is not None:
        query = query.where(SupportTicket.opened_at < until)
    tickets = list(session.scalars(query))
    stages = dict(session.execute(
        select(HumanTask.instance_id, HumanTask.title).where(
            HumanTask.instance_id.in_([t.instance_id for t in tickets]), HumanTask.status == TaskStatus.READY)
    ).all()) if tickets else {}
    return [SupportRow(t, stages.get(t.instance_id)) for t in tickets]


def ticket_of(session: Session, actor: Actor, instance_id: int) -> SupportTicket:
    """:raises NotFound: unless the actor reported the ticket, is support staff, or sees the instance's region."""
    ticket = session.scalars(select(SupportTicket).where(SupportTicket.instance_id == instance_id)).first()
    if ticket is None:
        raise NotFound(f"instance {instance_id} carries no support ticket")
    if ticket.reporter != actor.username and not actor.roles & SUPPORT_ROLES:
        instances.get(session, actor, instance_id)
    return ticket
