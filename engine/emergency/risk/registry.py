"""Risk-source enterprises as the pages, the API and the reports read them: a filtered table, regions, a chemical.

An enterprise is a risk source when the register gives it a risk level or it stores a risk
substance. Q and its band come from the stored substances; the plan state from the filings.
Filters on computed values (band, plan state) are applied after the scoped rows are read —
a few columns per enterprise, so the province's 40,000 stay a single query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import Actor
from engine.emergency.risk import access, assessments, plans, rules, substances
from engine.emergency.risk.levels import RISK_LEVELS
from engine.emergency.risk.models import RiskAssessment, RiskSubstance
from engine.emergency.risk.plans import PlanState
from engine.errors import InvalidInput
from engine.monitoring.models import Enterprise
from engine.regions import region_tree

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    region_code: str = ""
    level: str = ""
    band: str = ""
    plan_status: str = ""
    text: str = ""


@dataclass(frozen=True)
class RiskSource:
    credit_code: str
    name: str
    region_code: str
    level: str
    assessed_on: date | None
    q: float | None
    band: str
    substances: int
    plan: PlanState


@dataclass
class Listing:
    rows: list[RiskSource]
    total: int
    page: int
    pages: int
    by_level: Counter[str] = field(default_factory=Counter)


def all_sources(session: Session, actor: Actor, filters: Filters, *, today: date) -> list[RiskSource]:
    """Every risk-source enterprise the actor reads that passes ``filters``, by region then name.

    :raises NotAllowed: for accounts that read no risk data. :raises InvalidInput: for an unknown filter value.
    """
    access.require_reader(actor)
    _check(filters)
    current = rules.current(session)
    totals = (select(RiskSubstance.enterprise_code,
                     func.sum(RiskSubstance.max_quantity_t / RiskSubstance.critical_quantity_t).label("q"),
                     func.count().label("n")).group_by(RiskSubstance.enterprise_code).subquery())
    query = (select(Enterprise.credit_code, Enterprise.name, Enterprise.region_code, Enterprise.risk_level,
                    Enterprise.risk_assessed_on, totals.c.q, totals.c.n)
             .outerjoin(totals, totals.c.enterprise_code == Enterprise.credit_code)
             .where(access.visible(actor), or_(Enterprise.risk_level != "", totals.c.n > 0))
             .order_by(Enterprise.region_code, Enterprise.name))
    if filters.region_code:
        scope = region_tree().scope_prefix(filters.region_code)
        query = query.where(Enterprise.region_code == scope.value if scope.kind == "exact"
                            else Enterprise.region_code.startswith(scope.value, autoescape=True))
    if filters.level:
        query = query.where(Enterprise.risk_level == filters.level)
    if filters.text:
        needle = f"%{filters.text.strip()}%"
        query = query.where(or_(Enterprise.name.like(needle), Enterprise.credit_code.like(needle)))
    rows = session.execute(query).tuples().all()
    states = plans.states(session, (r[0] for r in rows), current, today)
    sources = [RiskSource(code, name, region, level or "", assessed, q, current.band(q), n or 0, states[code])
               for code, name, region, level, assessed, q, n in rows]
    return [s for s in sources if (not filters.band or s.band == filters.band)
            and (not filters.plan_status or s.plan.status == filters.plan_status)]


def listing(session: Session, actor: Actor, filters: Filters, *, page: int, today: date) -> Listing:
    """One page of :func:`all_sources` with the counts by level over all pages."""
    sources = all_sources(session, actor, filters, today=today)
    pages = max(1, -(-len(sources) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return Listing(sources[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], len(sources), page, pages,
                   Counter(s.level or "unassessed" for s in sources))


@dataclass
class RegionRow:
    code: str
    name: str
    by_level: Counter[str]
    by_band: Counter[str]
    by_plan: Counter[str]
    total: int


def region_summary(session: Session, actor: Actor, region_code: str, *, today: date) -> list[RegionRow]:
    """The risk sources of ``region_code`` counted per subdivision (a county: itself), by level, band and plan."""
    tree = region_tree()
    sources = all_sources(session, actor, Filters(region_code=region_code), today=today)
    region = tree.get(region_code)
    parts = (tree.children(region_code) or (region,)) if region else ()
    out = []
    for part in parts:
        scope = tree.scope_prefix(part.code)
        inside = [s for s in sources if scope.matches(s.region_code)]
        out.append(RegionRow(part.code, part.name, Counter(s.level or "unassessed" for s in inside),
                             Counter(s.band or "none" for s in inside), Counter(s.plan.status for s in inside),
                             len(inside)))
    return out


def storing(session: Session, actor: Actor, cas: str, names: list[str], *, today: date) -> list[tuple[RiskSource, RiskSubstance]]:
    """Risk-source enterprises the actor reads that store the chemical (by CAS number, name or alias)."""
    if not actor.roles & access.READER_ROLES:
        return []
    keys = [k for k in names if k]
    matches: list[ColumnElement[bool]] = [RiskSubstance.name.in_(keys)] if keys else []
    if cas:
        matches.append(RiskSubstance.cas == cas)
    if not matches:
        return []
    held = session.scalars(select(RiskSubstance).join(Enterprise, Enterprise.credit_code == RiskSubstance.enterprise_code)
                           .where(or_(*matches), access.visible(actor))).all()
    if not held:
        return []
    by_code = {s.credit_code: s for s in all_sources(session, actor, Filters(), today=today)}
    return sorted(((by_code[h.enterprise_code], h) for h in held if h.enterprise_code in by_code),
                  key=lambda pair: -pair[1].max_quantity_t)


def _check(filters: Filters) -> None:
    errors: dict[str, list[str]] = {}
    if filters.level and filters.level not in RISK_LEVELS:
        errors["level"] = [f"未知的风险等级 {filters.level!r}"]
    if filters.band and filters.band not in rules.BAND_NAMES:
        errors["band"] = [f"未知的 Q 分档 {filters.band!r} (Q0–Q3)"]
    if filters.plan_status and filters.plan_status not in plans.PLAN_STATES:
        errors["plan_status"] = [f"未知的预案状态 {filters.plan_status!r}"]
    if filters.region_code and region_tree().get(filters.region_code) is None:
        errors["region_code"] = [f"不存在的行政区划 {filters.region_code!r}"]
    if errors:
        raise InvalidInput("invalid risk-source filters", fields=errors)


@dataclass(frozen=True)
class SourcePage:
    """What an enterprise's risk-source page shows."""

    enterprise: Enterprise
    source: RiskSource
    substances: list[RiskSubstance]
    assessments: list[RiskAssessment]
    rules: rules.RiskRules
    may_write: bool


def page(session: Session, actor: Actor, credit_code: str, *, today: date) -> SourcePage:
    """:raises NotFound: for an enterprise outside the actor's scope (or not in the register)."""
    enterprise = access.enterprise(session, actor, credit_code)
    current = rules.current(session)
    held = substances.stored(session, credit_code)
    q = substances.q_ratio(held)
    state = plans.states(session, [credit_code], current, today)[credit_code]
    source = RiskSource(credit_code, enterprise.name, enterprise.region_code, enterprise.risk_level or "",
                        enterprise.risk_assessed_on, q, current.band(q), len(held), state)
    return SourcePage(enterprise, source, held, assessments.history(session, actor, credit_code), current, access.may_write(actor, enterprise.region_code))
