"""Reading the register: searches paginated in SQL, one enterprise or point, and the 一企一档 dossier.

Scoping is :func:`engine.scoping.instance_clause` on the enterprise's region and
credit code: administrators, province reviewers and the tax client see the
province, a city reviewer its city, a county reviewer its county, an
enterprise itself. What lies outside is reported as not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import Actor
from engine.errors import NotFound
from engine.monitoring.models import (
    AnomalyCase,
    Enterprise,
    ListMembership,
    MonitoringPoint,
    PointDowntime,
    PointFactor,
)
from engine.credit.models import CreditRating
from engine.emergency.models import EmergencyPlanFiling
from engine.workflow.models import InstanceStatus, ProcessInstance
from engine.scoping import instance_clause

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class EnterpriseQuery:
    text: str = ""  # credit code or part of the name (current or former)
    mn: str = ""
    region: str = ""  # a region code or its prefix (4401, 440106)
    industry: str = ""  # a GB/T 4754 code or its prefix (D44), or part of the industry name
    list_year: int | None = None
    list_medium: str = ""
    status: str = ""
    page: int = 1
    per_page: int = 50


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int


def _visible(actor: Actor) -> ColumnElement[bool]:
    return instance_clause(actor, Enterprise.region_code, Enterprise.credit_code)


def _conditions(query: EnterpriseQuery) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    text = query.text.strip()
    if text:
        pattern = f"%{text}%"
        found.append(or_(Enterprise.credit_code == text.upper(), Enterprise.name.like(pattern),
                         Enterprise.former_names.like(pattern)))
    if query.mn.strip():
        found.append(exists().where(MonitoringPoint.enterprise_id == Enterprise.id,
                                    MonitoringPoint.mn == query.mn.strip()))
    if query.region.strip():
        found.append(Enterprise.region_code.startswith(query.region.strip(), autoescape=True))
    if query.industry.strip():
        industry = query.industry.strip()
        found.append(or_(Enterprise.industry_code.startswith(industry.upper(), autoescape=True),
                         Enterprise.industry.like(f"%{industry}%")))
    if query.list_year is not None or query.list_medium:
        membership = exists().where(ListMembership.enterprise_id == Enterprise.id)
        if query.list_year is not None:
            membership = membership.where(ListMembership.year == query.list_year)
        if query.list_medium:
            membership = membership.where(ListMembership.medium == query.list_medium)
        found.append(membership)
    if query.status:
        found.append(Enterprise.status == query.status)
    return found


def search_enterprises(session: Session, actor: Actor, query: EnterpriseQuery) -> Page:
    """Enterprises the actor may see that match ``query``, by credit code, one page counted and cut in SQL."""
    conditions = [_visible(actor), *_conditions(query)]
    per_page = max(1, min(query.per_page, MAX_PAGE_SIZE))
    page = max(1, query.page)
    total = session.scalar(select(func.count()).select_from(Enterprise).where(*conditions)) or 0
    items = session.scalars(select(Enterprise).where(*conditions).order_by(Enterprise.credit_code)
                            .offset((page - 1) * per_page).limit(per_page))
    return Page(list(items), total, page, per_page)


def enterprise(session: Session, actor: Actor, credit_code: str) -> Enterprise:
    """:raises NotFound: unknown, or outside the actor's scope."""
    found = session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code, _visible(actor)))
    if found is None:
        raise NotFound(f"enterprise {credit_code} not found")
    return found


def memberships(session: Session, enterprise_id: int) -> list[ListMembership]:
    return list(session.scalars(select(ListMembership).where(ListMembership.enterprise_id == enterprise_id)
                                .order_by(ListMembership.year.desc(), ListMembership.medium)))


@dataclass
class PointView:
    point: MonitoringPoint
    credit_code: str
    enterprise_name: str
    factors: list[PointFactor] = field(default_factory=list)
    suspensions: list[PointDowntime] = field(default_factory=list)


def search_points(session: Session, actor: Actor, *, mn: str = "", credit_code: str = "", region: str = "",
                  kind: str = "", page: int = 1, per_page: int = 50) -> Page:
    """Points the actor may see, by MN, as :class:`PointView` without factors."""
    conditions = [_visible(actor)]
    if mn:
        conditions.append(MonitoringPoint.mn.startswith(mn, autoescape=True))
    if credit_code:
        conditions.append(Enterprise.credit_code == credit_code)
    if region:
        conditions.append(Enterprise.region_code.startswith(region, autoescape=True))
    if kind:
        conditions.append(MonitoringPoint.kind == kind)
    per_page, page = max(1, min(per_page, MAX_PAGE_SIZE)), max(1, page)
    base = select(MonitoringPoint, Enterprise.credit_code, Enterprise.name).join(
        Enterprise, Enterprise.id == MonitoringPoint.enterprise_id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(MonitoringPoint.mn).offset((page - 1) * per_page).limit(per_page))
    return Page([PointView(p, code, name) for p, code, name in rows], total, page, per_page)


def point(session: Session, actor: Actor, mn: str) -> PointView:
    """A point with its factors and filed suspensions. :raises NotFound: unknown or outside the scope."""
    row = session.execute(select(MonitoringPoint, Enterprise.credit_code, Enterprise.name).join(
        Enterprise, Enterprise.id == MonitoringPoint.enterprise_id).where(MonitoringPoint.mn == mn,
                                                                          _visible(actor))).first()
    if row is None:
        raise NotFound(f"monitoring point {mn} not found")
    found = PointView(row[0], row[1], row[2])
    found.factors = list(session.scalars(select(PointFactor).where(PointFactor.point_id == found.point.id)
                                         .order_by(PointFactor.code)))
    found.suspensions = list(session.scalars(select(PointDowntime).where(PointDowntime.point_id == found.point.id)
                                             .order_by(PointDowntime.starts_at)))
    return found


@dataclass
class Dossier:
    """一企一档: an enterprise with everything the department holds about it."""

    enterprise: Enterprise
    memberships: list[ListMembership]
    points: list[PointView]
    open_instances: list[ProcessInstance]
    past_instances: list[ProcessInstance]
    open_cases: int
    ratings: list[CreditRating]
    filings: list[EmergencyPlanFiling]


def dossier(session: Session, actor: Actor, credit_code: str, *, past_limit: int = 20) -> Dossier:
    """:raises NotFound: unknown, or outside the actor's scope."""
    found = enterprise(session, actor, credit_code)
    points = [point(session, actor, mn) for mn in session.scalars(
        select(MonitoringPoint.mn).where(MonitoringPoint.enterprise_id == found.id).order_by(MonitoringPoint.mn))]
    instances = select(ProcessInstance).where(ProcessInstance.enterprise_code == credit_code)
    running = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)
    return Dossier(
        enterprise=found, memberships=memberships(session, found.id), points=points,
        open_instances=list(session.scalars(instances.where(ProcessInstance.status.in_(running))
                                            .order_by(ProcessInstance.started_at.desc()))),
        past_instances=list(session.scalars(instances.where(ProcessInstance.status.not_in(running))
                                            .order_by(ProcessInstance.started_at.desc()).limit(past_limit))),
        open_cases=session.scalar(select(func.count()).select_from(AnomalyCase).join(
            MonitoringPoint, MonitoringPoint.id == AnomalyCase.point_id).where(
            MonitoringPoint.enterprise_id == found.id, AnomalyCase.closed_at.is_(None))) or 0,
        ratings=list(session.scalars(select(CreditRating).where(CreditRating.enterprise_code == credit_code)
                                     .order_by(CreditRating.year.desc()))),
        filings=list(session.scalars(select(EmergencyPlanFiling).where(
            EmergencyPlanFiling.enterprise_code == credit_code).order_by(EmergencyPlanFiling.created_at.desc()))),
    )


def enterprise_record(enterprise: Enterprise, memberships: list[ListMembership] | None = None) -> dict[str, Any]:
    """An enterprise as the API shows it (``memberships`` only when given)."""
    record = {column: getattr(enterprise, column) for column in _ENTERPRISE_OUT}
    record["former_names"] = [name for name in enterprise.former_names.split("；") if name]
    if memberships is not None:
        record["memberships"] = [{"year": m.year, "medium": m.medium} for m in memberships]
    return record


_ENTERPRISE_OUT = ("credit_code", "name", "region_code", "address", "longitude", "latitude", "datum", "industry_code",
                   "industry", "permit_number", "permit_class", "permit_valid_from", "permit_valid_to", "risk_level",
                   "risk_assessed_on", "status", "status_since", "contact_name", "contact_phone", "contact_email",
                   "key_unit", "version", "created_at", "updated_at")


def enterprise_detail(session: Session, actor: Actor, credit_code: str) -> dict[str, Any]:
    """:raises NotFound: unknown, or outside the actor's scope."""
    found = enterprise(session, actor, credit_code)
    return enterprise_record(found, memberships(session, found.id))


def point_record(view: PointView) -> dict[str, Any]:
    """A point as the API shows it: never its password hash."""
    point = view.point
    record = {column: getattr(point, column) for column in (
        "mn", "name", "outlet_code", "kind", "rtd_interval_s", "minute_interval_min", "monitoring_since",
        "monitoring_until", "active", "version")}
    record.update(credit_code=view.credit_code, enterprise_name=view.enterprise_name)
    record["factors"] = [{column: getattr(f, column) for column in (
        "code", "name", "unit", "upper_limit", "lower_limit", "standard", "range_lower", "range_upper")}
        for f in view.factors]
    record["suspensions"] = [{"reason": s.reason, "starts_at": s.starts_at, "ends_at": s.ends_at}
                             for s in view.suspensions if s.source == "filing"]
    return record
