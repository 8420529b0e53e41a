"""涉税复核 (tax_review): the tax department's review requests and the environment side's answers.

The tax system opens a request through the API (``POST /api/v1/processes/tax_review/instances``
with the fields of :class:`TaxReviewRequest` as data). The request goes to the county of the
enterprise with the period's monitoring figures attached; the county (or, once the legal 15 days
have passed, the city) answers; the tax side reads :func:`review_result`.

Monitoring figures: a caller may send them in the start data (``monitoring_figures``); otherwise
the function registered with :func:`register_figures_source` (the monitoring package's monthly
means of hourly or daily means, anomalies and flags) supplies them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound
from engine.instances.casework import field_messages, ready_step
from engine.scoping import can_see_instance
from engine.tax.models import TaxReview
from engine.workflow.hooks import ProcessHooks, StartContext, StepContext

log = logging.getLogger(__name__)

PROCESS_KEY = "tax_review"
HOOKS = ProcessHooks(PROCESS_KEY)
REASONS = ("abnormal_return", "late_filing")
LEGAL_LIMIT = timedelta(days=15)  # 环境保护税法实施条例 art. 22: answer within 15 days of receipt

FiguresSource = Callable[[Session, str, str], dict[str, Any] | None]
_figures_source: FiguresSource | None = None


def register_figures_source(source: FiguresSource | None) -> FiguresSource | None:
    """Hook for the monitoring package: ``source(session, enterprise_code, "YYYY-MM")`` returns the period's figures
    (monthly means of hourly means for air, of daily means for water; emission volume; valid-data days; data
    flags) as plain JSON. ``create_app`` registers :func:`engine.monitoring.monthly.figures_source`.

    :returns: the source registered before, so a caller can put it back.
    """
    global _figures_source
    previous, _figures_source = _figures_source, source
    return previous


def period_monitoring_figures(session: Session, enterprise_code: str, tax_period: str) -> dict[str, Any] | None:
    """The monitoring figures to attach to a review request, or None while no source is registered."""
    return _figures_source(session, enterprise_code, tax_period) if _figures_source else None


class ReportedFigure(Schema):
    class Meta:
        unknown = RAISE

    pollutant = fields.String(required=True, validate=validate.Length(min=1, max=20))
    outlet = fields.String(load_default=None, validate=validate.Length(max=40))
    emission_kg = fields.Float(required=True, validate=validate.Range(min=0))
    concentration = fields.Float(load_default=None, validate=validate.Range(min=0))
    unit = fields.String(load_default=None, validate=validate.Length(max=20))


class TaxReviewRequest(Schema):
    """The start data of a review request, as the tax system sends it."""

    class Meta:
        unknown = RAISE

    request_no = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-]{1,60}$"))
    tax_period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    reported = fields.List(fields.Nested(ReportedFigure), required=True, validate=validate.Length(min=1, max=50))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    monitoring_figures = fields.Dict(load_default=None)


@HOOKS.before_start
def _accept_request(context: StartContext) -> dict[str, Any]:
    if not (context.actor.is_admin or Role.TAX_CLIENT in context.actor.roles):
        raise NotAllowed("涉税复核由税务部门提请 (review requests come from the tax department)")
    if context.enterprise_code is None:
        raise InvalidInput("the enterprise is missing", fields={"enterprise_code": ["此项为必填项"]})
    try:
        request: dict[str, Any] = TaxReviewRequest().load(dict(context.data))
    except ValidationError as exc:
        raise InvalidInput("复核提请数据有误 (invalid review request)", fields=field_messages(exc.messages)) from None
    taken = context.session.scalar(select(TaxReview.id).where(TaxReview.request_no == request["request_no"]))
    if taken is not None:
        raise Conflict(f"复核提请 {request['request_no']} 已受理 (this request number was already received)")
    figures = request.pop("monitoring_figures") or period_monitoring_figures(
        context.session, context.enterprise_code, request["tax_period"])
    return {**request, "monitoring_figures": figures, "figures_attached": figures is not None,
            "kind": request["reason"]}


@HOOKS.after("start")
def _receive(context: StepContext) -> None:
    data, instance = context.data, context.instance
    now = utcnow()
    step = ready_step(context.session, instance.id, "county_review")
    due = step.due_at if step is not None and step.due_at is not None else now + LEGAL_LIMIT
    context.session.add(TaxReview(
        request_no=data["request_no"], instance_id=instance.id, enterprise_code=instance.enterprise_code or "",
        region_code=instance.region_code, tax_period=data["tax_period"], reason=data["reason"],
        reported=data["reported"], monitoring_figures=data.get("monitoring_figures"),
        requested_by=context.actor.username, received_at=now, due_at=due, status="open"))
    context.session.flush()


@HOOKS.after("urge_timer")
def _urged(context: StepContext) -> None:
    """Close to the deadline the county's step is urged (the runtime leaves a system 催办 note on it)."""
    review = _of(context.session, context.instance.id)
    review.urged_at = utcnow()
    audit.record(context.session, context.actor, "tax.urge", instance_id=context.instance.id,
                 payload={"request_no": review.request_no})


@HOOKS.after("escalate_timer")
def _escalate(context: StepContext) -> None:
    review = _of(context.session, context.instance.id)
    review.escalated_at, review.status = utcnow(), "escalated"
    audit.record(context.session, context.actor, "tax.escalate", instance_id=context.instance.id,
                 payload={"request_no": review.request_no, "to": "city_reviewer"})
    log.info("tax review %s (instance %s) escalated to the city", review.request_no, context.instance.id)


@HOOKS.after("end_answered")
def _answer(context: StepContext) -> None:
    data = context.data
    review = _of(context.session, context.instance.id)
    review.status, review.conclusion = "answered", data.get("conclusion")
    review.opinion = str(data.get("opinion") or "")
    review.reviewed = {"emission_kg": data.get("reviewed_emission_kg"),
                       "concentration": data.get("reviewed_concentration"), "note": data.get("figures_note")}
    review.answered_by, review.answered_at = context.actor.username, utcnow()
    audit.record(context.session, context.actor, "tax.answer", instance_id=context.instance.id,
                 payload={"request_no": review.request_no, "conclusion": review.conclusion})


def _of(session: Session, instance_id: int) -> TaxReview:
    return session.scalars(select(TaxReview).where(TaxReview.instance_id == instance_id)).one()


@dataclass(frozen=True)
class ReviewResult:
    """What the tax side reads back (复核反馈)."""

    request_no: str
    instance_id: int
    enterprise_code: str
    tax_period: str
    status: str  # open, escalated, answered
    received_at: datetime
    due_at: datetime
    overdue: bool
    escalated: bool
    conclusion: str | None
    opinion: str
    reviewed: dict[str, Any] | None
    monitoring_figures: dict[str, Any] | None
    answered_by: str | None
    answered_at: datetime | None


def review_result(session: Session, actor: Actor, request_no: str) -> ReviewResult:
    """The state and, once given, the answer of a review request.

    :raises NotFound: unknown request number, or outside the actor's scope.
    """
    review = session.scalars(select(TaxReview).where(TaxReview.request_no == request_no[:60])).first()
    if review is None or not (Role.TAX_CLIENT in actor.roles
                              or can_see_instance(actor, review.region_code, review.enterprise_code)):
        raise NotFound(f"review request {request_no!r} not found")
    finished = review.answered_at or utcnow()
    return ReviewResult(
        request_no=review.request_no, instance_id=review.instance_id, enterprise_code=review.enterprise_code,
        tax_period=review.tax_period, status=review.status, received_at=review.received_at, due_at=review.due_at,
        overdue=finished > review.due_at, escalated=review.escalated_at is not None, conclusion=review.conclusion,
        opinion=review.opinion, reviewed=review.reviewed, monitoring_figures=review.monitoring_figures,
        answered_by=review.answered_by, answered_at=review.answered_at)
