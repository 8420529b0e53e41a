"""The rows of the ledger-style reports, each read over what the viewer may see.

Every step of a process is a row of the task index (:class:`~engine.workflow.models.HumanTask`), so a
ledger shows a case's explanation, each review opinion and its state without loading workflows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.anomalies.cases import TYPE_LABELS
from engine.credit.models import (
    LEVEL_NAMES,
    CreditObjection,
    CreditRating,
    RatingChange,
    RatingStatus,
)
from engine.monitoring.models import AnomalyCase, Enterprise, MonitoringPoint
from engine.reports import scope
from engine.reports.period import CHINA, Period
from engine.support.models import SupportTicket
from engine.tax.models import TaxReview
from engine.workflow.models import HumanTask, TaskStatus

STEP_STATES: dict[str, str] = {TaskStatus.READY: "待办", TaskStatus.COMPLETED: "已完成", TaskStatus.RETURNED: "已退回",
               TaskStatus.CANCELLED: "已取消", TaskStatus.WITHDRAWN: "已撤回"}
OBJECTION_STATES = {"open": "处理中", "kept": "维持原评价", "corrected": "已更正", "lapsed": "逾期未提交"}
TAX_STATES = {"open": "办理中", "escalated": "已升级督办", "answered": "已答复"}
TICKET_STATES = {"open": "待受理", "assigned": "处理中", "closed": "已关闭", "escalated": "已上报"}
EXPLANATION_FORMS = frozenset({"anomaly_explanation"})
REVIEW_FORMS = frozenset({"county_review", "city_review", "province_review"})


@dataclass(frozen=True)
class Step:
    instance_id: int
    title: str
    form_key: str
    role: str
    status: str
    actor: str | None
    created_at: datetime
    completed_at: datetime | None
    outcome: str | None
    opinion: str | None
    submitted: dict[str, Any] | None

    def line(self) -> str:
        when = _local(self.completed_at) if self.completed_at else "—"
        state = STEP_STATES.get(self.status, self.status)
        text = f"{self.title}（{state}）{self.actor or ''} {when}"
        if self.outcome:
            text += f" {self.outcome}"
        return text + (f"：{self.opinion}" if self.opinion else "")


def _local(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def steps_of(session: Session, instance_ids: Iterable[int | None]) -> dict[int, list[Step]]:
    """The steps of each instance in the order they were activated."""
    ids = sorted({i for i in instance_ids if i is not None})
    found: dict[int, list[Step]] = {i: [] for i in ids}
    for chunk in (ids[n:n + 500] for n in range(0, len(ids), 500)):
        for t in session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(chunk))
                                 .order_by(HumanTask.instance_id, HumanTask.created_at, HumanTask.id)):
            found[t.instance_id].append(Step(t.instance_id, t.title, t.form_key, t.role, t.status, t.completed_by,
                                             t.created_at, t.completed_at, t.outcome, t.opinion, t.submitted))
    return found


def _in(column: Any, period: Period) -> Any:
    return and_(column >= period.start, column < period.end)


@dataclass(frozen=True)
class LedgerRow:
    """One anomaly case of the supervision ledger (督办台账)."""

    case: AnomalyCase
    point: MonitoringPoint
    enterprise: Enterprise
    steps: list[Step]

    @property
    def type_name(self) -> str:
        return TYPE_LABELS.get(self.case.anomaly_type, self.case.anomaly_type)

    @property
    def explanation(self) -> str:
        done = [s for s in self.steps if s.form_key in EXPLANATION_FORMS and s.submitted]
        if not done:
            return ""
        data = done[-1].submitted or {}
        parts = [str(data.get(k) or "") for k in ("reason", "description", "measures")]
        return "；".join(p for p in parts if p)

    @property
    def reviews(self) -> str:
        return "\n".join(s.line() for s in self.steps if s.form_key in REVIEW_FORMS and s.status != TaskStatus.READY)

    @property
    def state(self) -> str:
        if self.case.closed_at is not None:
            return f"已办结（{self.case.conclusion}）" if self.case.conclusion else "已办结"
        current = [s.title for s in self.steps if s.status == TaskStatus.READY]
        if current:
            return "待" + "、".join(current)
        return "未立案" if self.case.instance_id is None else "办理中"


def supervision_ledger(session: Session, actor: Actor, period: Period, industry: str | None) -> list[LedgerRow]:
    """Every anomaly case opened in the period at enterprises of the industry (all industries when None)."""
    scope.require_reviewer(actor)
    query = (select(AnomalyCase, MonitoringPoint, Enterprise)
             .join(MonitoringPoint, MonitoringPoint.id == AnomalyCase.point_id)
             .join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
             .where(_in(AnomalyCase.created_at, period),
                    scope.clause(actor, Enterprise.region_code, Enterprise.credit_code))
             .order_by(Enterprise.region_code, Enterprise.name, AnomalyCase.period_start, AnomalyCase.id))
    if industry:
        query = query.where(Enterprise.industry == industry)
    rows = session.execute(query).all()
    steps = steps_of(session, (c.instance_id for c, _, _ in rows))
    return [LedgerRow(c, p, e, steps.get(c.instance_id or 0, [])) for c, p, e in rows]


def support_tickets(session: Session, actor: Actor, period: Period) -> list[tuple[SupportTicket, list[Step]]]:
    """The support tickets opened in the period, each with every step."""
    scope.require_reviewer(actor)
    tickets = list(session.scalars(select(SupportTicket).where(
        _in(SupportTicket.opened_at, period),
        scope.clause(actor, SupportTicket.region_code, SupportTicket.enterprise_code),
    ).order_by(SupportTicket.opened_at, SupportTicket.id)))
    steps = steps_of(session, (t.instance_id for t in tickets))
    return [(t, steps.get(t.instance_id, [])) for t in tickets]


@dataclass(frozen=True)
class RatingRow:
    rating: CreditRating
    objections: list[CreditObjection]
    changes: list[RatingChange]

    @property
    def corrections(self) -> list[RatingChange]:
        return [c for c in self.changes if c.from_level is not None and c.from_level != c.to_level]


def credit_results(session: Session, actor: Actor, year: int) -> list[RatingRow]:
    """The published ratings of an assessment year with their objections and corrections."""
    scope.require_reviewer(actor)
    ratings = list(session.scalars(select(CreditRating).where(
        CreditRating.year == year, CreditRating.status == RatingStatus.PUBLISHED,
        scope.clause(actor, CreditRating.region_code, CreditRating.enterprise_code),
    ).order_by(CreditRating.region_code, CreditRating.enterprise_code)))
    ids = [r.id for r in ratings]
    objections: dict[int, list[CreditObjection]] = {}
    changes: dict[int, list[RatingChange]] = {}
    if ids:
        for o in session.scalars(select(CreditObjection).where(CreditObjection.rating_id.in_(ids))
                                 .order_by(CreditObjection.filed_at, CreditObjection.id)):
            objections.setdefault(o.rating_id, []).append(o)
        for c in session.scalars(select(RatingChange).where(RatingChange.rating_id.in_(ids))
                                 .order_by(RatingChange.changed_at, RatingChange.id)):
            changes.setdefault(c.rating_id, []).append(c)
    return [RatingRow(r, objections.get(r.id, []), changes.get(r.id, [])) for r in ratings]


def level_name(level: int | None) -> str:
    return "" if level is None else LEVEL_NAMES.get(level, str(level))


def tax_reviews(session: Session, actor: Actor, period: Period) -> list[TaxReview]:
    """The tax department's review requests received in the period."""
    scope.require_reviewer(actor)
    return list(session.scalars(select(TaxReview).where(
        _in(TaxReview.received_at, period), scope.clause(actor, TaxReview.region_code, TaxReview.enterprise_code),
    ).order_by(TaxReview.received_at, TaxReview.id)))


def days_taken(review: TaxReview) -> float | None:
    if review.answered_at is None:
        return None
    return round((review.answered_at - review.received_at).total_seconds() / 86400, 1)
