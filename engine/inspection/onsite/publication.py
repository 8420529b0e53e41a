"""一公开: the published results of inspections, for anyone, searchable by unit, date, item and conclusion.

Only published cases appear, with what publication makes public: the unit, the dates, the items, the
conclusion and the published summary, and of the officers only the fields the department configures in
``public_officer_fields`` (at most name and certificate number — no other personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.calendar.workdays import SHANGHAI
from engine.inspection.models import InspectionItem, InspectionPlan, Officer, PlanItem
from engine.inspection.onsite.models import InspectionCase
from engine.inspection.onsite.process import PROCESS_KEY
from engine.workflow import configs

PUBLISHABLE_OFFICER_FIELDS = ("name", "certificate_no")
PAGE_SIZE = 20


@dataclass(frozen=True)
class ResultQuery:
    unit: str = ""  # part of the unit's name or its credit code
    date_from: date | None = None  # inspection date, Shanghai calendar
    date_to: date | None = None
    item: str = ""  # an inspection item's code
    conclusion: str = ""
    region: str = ""  # a region code prefix (city or county)
    page: int = 1


@dataclass(frozen=True)
class PublicResult:
    case_id: int
    unit_name: str
    enterprise_code: str
    region_code: str
    plan_title: str
    campaign: bool
    inspected_on: date | None
    items: list[str]
    conclusion: str
    unit_status: str
    summary: str
    published_on: date
    officers: list[dict[str, str]]


@dataclass(frozen=True)
class ResultPage:
    results: list[PublicResult]
    total: int
    page: int
    pages: int


def published_results(session: Session, query: ResultQuery) -> ResultPage:
    """One page of published results matching the query, newest inspection first."""
    conditions = _conditions(query)
    total = session.scalar(select(func.count()).select_from(InspectionCase).where(*conditions)) or 0
    page = max(1, query.page)
    cases = session.scalars(select(InspectionCase).where(*conditions)
                            .order_by(InspectionCase.inspected_at.desc(), InspectionCase.id.desc())
                            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    shown = officer_fields(session)
    return ResultPage([_public(session, case, shown) for case in cases], total, page,
                      max(1, -(-total // PAGE_SIZE)))


def officer_fields(session: Session) -> tuple[str, ...]:
    """The officer fields the department publishes (configured; never beyond name and certificate number)."""
    configured = configs.current_values(session, PROCESS_KEY).get("public_officer_fields") or []
    return tuple(f for f in PUBLISHABLE_OFFICER_FIELDS if f in configured)


def _conditions(query: ResultQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [InspectionCase.published_at.is_not(None)]
    if query.unit:
        conditions.append(InspectionCase.unit_name.contains(query.unit, autoescape=True)
                          | (InspectionCase.enterprise_code == query.unit.upper()))
    if query.date_from:
        conditions.append(InspectionCase.inspected_at >= _day_start(query.date_from))
    if query.date_to:
        conditions.append(InspectionCase.inspected_at < _day_start(query.date_to, 1))
    if query.conclusion:
        conditions.append(InspectionCase.conclusion == query.conclusion)
    if query.region:
        conditions.append(InspectionCase.region_code.startswith(query.region, autoescape=True))
    if query.item:
        conditions.append(InspectionCase.plan_id.in_(
            select(PlanItem.plan_id).join(InspectionItem, InspectionItem.id == PlanItem.item_id)
            .where(InspectionItem.code == query.item)))
    return conditions


def _day_start(day: date, plus_days: int = 0) -> datetime:
    return datetime.combine(date.fromordinal(day.toordinal() + plus_days), time.min, SHANGHAI)


def _public(session: Session, case: InspectionCase, shown: tuple[str, ...]) -> PublicResult:
    plan = session.get(InspectionPlan, case.plan_id)
    assert plan is not None and case.published_at is not None
    items = session.scalars(select(InspectionItem.name).join(PlanItem, PlanItem.item_id == InspectionItem.id)
                            .where(PlanItem.plan_id == plan.id).order_by(InspectionItem.code)).all()
    return PublicResult(
        case_id=case.id, unit_name=case.unit_name, enterprise_code=case.enterprise_code,
        region_code=case.region_code, plan_title=plan.title, campaign=case.campaign,
        inspected_on=case.inspected_at.astimezone(SHANGHAI).date() if case.inspected_at else None,
        items=list(items), conclusion=case.conclusion or "", unit_status=case.unit_status or "",
        summary=case.public_summary, published_on=case.published_at.astimezone(SHANGHAI).date(),
        officers=[_officer(session, officer_id, shown) for officer_id in (case.lead_officer_id, case.second_officer_id)]
        if shown else [])


def _officer(session: Session, officer_id: int, shown: tuple[str, ...]) -> dict[str, str]:
    officer = session.get(Officer, officer_id)
    assert officer is not None
    values = {"name": officer.name, "certificate_no": officer.certificate_number}
    return {field: values[field] for field in shown}


def published_items(session: Session) -> list[tuple[str, str]]:
    """(code, name) of the items, for the search form."""
    return [(c, n) for c, n in session.execute(select(InspectionItem.code, InspectionItem.name)
                                               .order_by(InspectionItem.code))]
