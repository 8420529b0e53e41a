"""A round's scores, set-based: who is rated, the facts snapshot, points per indicator, levels — all in SQL.

No statement runs per enterprise: the scope is one ``INSERT … SELECT``, each fact source one
``INSERT … SELECT`` (the monthly transmission rates one batch per month), each indicator one
``INSERT … SELECT`` of points over every enterprise, and the totals and levels one ``UPDATE``.
An enterprise's score is then the table indicator → facts → points (:func:`breakdown`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Float, Numeric, String, and_, case, cast, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from engine.anomalies.models import EnforcementReferral
from engine.credit.models import CreditFact, CreditRound, CreditScore, RoundFact, ScoreItem
from engine.credit.rules import indicators
from engine.emergency.models import EmergencyPlanFiling
from engine.monitoring import rates
from engine.monitoring.models import AnomalyCase, Enterprise, ListMembership, MonitoringPoint
from engine.tax.models import TaxReview

log = logging.getLogger(__name__)

CHINA = timezone(timedelta(hours=8))
PLAN_VALID_YEARS = 3  # an emergency plan's filing is current for three years (HJ 941-2018 revision cycle)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The assessment year in Asia/Shanghai, as aware datetimes [start, end)."""
    return datetime(year, 1, 1, tzinfo=CHINA), datetime(year + 1, 1, 1, tzinfo=CHINA)


def rated_enterprises(scope: dict[str, Any], year: int) -> Any:
    """Who is rated in ``year``: (credit code, name, region) of the register's enterprises in scope.

    In: every registered enterprise, or with ``key_units_only`` the key units (the flag, or a place on
    any of the year's key-unit lists); with ``lists`` (media such as ``water``, ``air``) those on the
    year's lists of these media. Out: ``exclude`` (credit codes), and enterprises closed or stopped for
    more than ``stopped_months`` (default 6) before the year's end (the register's status and its date).
    """
    query = select(Enterprise.credit_code, Enterprise.name, Enterprise.region_code)
    on_list = select(ListMembership.id).where(ListMembership.enterprise_id == Enterprise.id,
                                              ListMembership.year == year)
    if scope.get("lists"):
        query = query.where(on_list.where(ListMembership.medium.in_(scope["lists"])).exists())
    elif scope.get("key_units_only"):
        query = query.where(Enterprise.key_unit.is_(True) | on_list.exists())
    if scope.get("exclude"):
        query = query.where(Enterprise.credit_code.not_in(scope["exclude"]))
    months = int(scope.get("stopped_months", 6))
    cutoff = date(year + 1, 1, 1) - timedelta(days=round(months * 30.44))
    out = Enterprise.status.in_(("stopped", "closed")) & (Enterprise.status_since.is_(None)
                                                          | (Enterprise.status_since <= cutoff))
    return query.where(~out)


def compute(session: Session, credit_round: CreditRound, rules: dict[str, Any], *,
            now: datetime | None = None) -> int:
    """Score every enterprise in scope for the round; returns how many were scored."""
    rid = credit_round.id
    for table in (ScoreItem, RoundFact, CreditScore):
        session.execute(delete(table).where(table.round_id == rid))
    scope = rated_enterprises(rules["scope"], credit_round.year).subquery()
    session.execute(insert(CreditScore).from_select(
        ["round_id", "enterprise_code", "enterprise_name", "region_code", "score", "score_level", "vetoed",
         "downgrades", "proposed_level", "level", "review_status", "adjust_reason", "adjust_evidence"],
        select(literal(rid), scope.c.credit_code, scope.c.name, scope.c.region_code, literal(0.0), literal(4),
               literal(0), literal(0), literal(4), literal(4), literal("pending"), literal(""),
               literal([], CreditScore.adjust_evidence.type))))
    snapshot_facts(session, credit_round, now=now)
    return rescore(session, credit_round, rules)


def rescore(session: Session, credit_round: CreditRound, rules: dict[str, Any]) -> int:
    """Points, totals and levels again from the round's facts snapshot (the scope stays)."""
    rid = credit_round.id
    session.execute(delete(ScoreItem).where(ScoreItem.round_id == rid))
    for group, indicator in indicators(rules):
        _score_indicator(session, rid, rules, group, indicator)
    _totals_and_levels(session, rid, rules)
    count = session.scalar(select(func.count()).select_from(CreditScore).where(CreditScore.round_id == rid)) or 0
    credit_round.enterprises = count
    session.flush()
    log.info("round %s (%s): %d enterprises scored", rid, credit_round.year, count)
    return count


def _in_round(rid: int, code: Any) -> ColumnElement[bool]:
    return code.in_(select(CreditScore.enterprise_code).where(CreditScore.round_id == rid))


FACT_COLUMNS = ["round_id", "enterprise_code", "kind", "value", "indicator", "occurred_at", "reference", "source"]


def snapshot_facts(session: Session, credit_round: CreditRound, *, now: datetime | None = None) -> None:
    """Copy the year's facts of every rated enterprise into the round (the evidence of its points)."""
    rid, (start, end) = credit_round.id, year_bounds(credit_round.year)
    code = Enterprise.credit_code
    sources: list[Any] = [
        select(literal(rid), code, literal("anomaly:") + AnomalyCase.conclusion, literal(None, Float),
               literal(None, String), AnomalyCase.closed_at, literal("异常闭环案件 #") + cast(AnomalyCase.id, String),
               func.coalesce(literal("anomaly_closure 实例 ") + cast(AnomalyCase.instance_id, String), "自动监测同步"))
        .join(MonitoringPoint, MonitoringPoint.id == AnomalyCase.point_id)
        .join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
        .where(AnomalyCase.closed_at >= start, AnomalyCase.closed_at < end, AnomalyCase.conclusion.is_not(None),
               _in_round(rid, code)),
        select(literal(rid), EnforcementReferral.enterprise_code, literal("referral"), literal(None, Float),
               literal(None, String), EnforcementReferral.referred_at, EnforcementReferral.reference_no,
               literal("移交执法 实例 ") + cast(EnforcementReferral.instance_id, String))
        .where(EnforcementReferral.referred_at >= start, EnforcementReferral.referred_at < end,
               _in_round(rid, EnforcementReferral.enterprise_code)),
        select(literal(rid), EmergencyPlanFiling.enterprise_code, literal("plan_current"), literal(None, Float),
               literal(None, String), EmergencyPlanFiling.filed_at, func.coalesce(EmergencyPlanFiling.filing_number, ""),
               literal("应急预案备案 实例 ") + cast(EmergencyPlanFiling.instance_id, String))
        .where(EmergencyPlanFiling.filing_number.is_not(None), EmergencyPlanFiling.filed_at < end,
               EmergencyPlanFiling.filed_at >= end.replace(year=end.year - PLAN_VALID_YEARS),
               _in_round(rid, EmergencyPlanFiling.enterprise_code)),
        select(literal(rid), TaxReview.enterprise_code, literal("tax:") + TaxReview.conclusion, literal(None, Float),
               literal(None, String), TaxReview.answered_at, TaxReview.request_no,
               literal("环保税复核 实例 ") + cast(TaxReview.instance_id, String))
        .where(TaxReview.answered_at >= start, TaxReview.answered_at < end, TaxReview.conclusion.is_not(None),
               _in_round(rid, TaxReview.enterprise_code)),
        select(literal(rid), CreditFact.enterprise_code, CreditFact.kind, literal(None, Float), CreditFact.indicator,
               CreditFact.entered_at, CreditFact.reference, CreditFact.source)
        .where(CreditFact.occurred_on >= date(credit_round.year, 1, 1),
               CreditFact.occurred_on < date(credit_round.year + 1, 1, 1), _in_round(rid, CreditFact.enterprise_code)),
    ]
    for source in sources:
        session.execute(insert(RoundFact).from_select(FACT_COLUMNS, source))
    _snapshot_rates(session, credit_round, now=now)


def _snapshot_rates(session: Session, credit_round: CreditRound, *, now: datetime | None) -> None:
    """Each month's effective transmission rate of each rated enterprise with monitoring (one batch a month)."""
    rated = set(session.scalars(select(CreditScore.enterprise_code).where(CreditScore.round_id == credit_round.id)))
    today = (now or datetime.now(CHINA)).astimezone(CHINA).date()
    for month in range(1, 13):
        first = date(credit_round.year, month, 1)
        if first > today:
            break
        rows = [{"round_id": credit_round.id, "enterprise_code": r.key, "kind": "effective_rate",
                 "value": r.effective, "indicator": None, "occurred_at": datetime(first.year, month, 1, tzinfo=CHINA),
                 "reference": f"{first:%Y-%m}", "source": "自动监测传输有效率统计"}
                for r in rates.enterprise_rates(session, first, now=now) if r.key in rated and r.effective is not None]
        if rows:
            session.execute(insert(RoundFact), rows)


def _facts(rid: int, kinds: list[str]) -> Any:
    """Per enterprise: how many facts of the kinds and their smallest value."""
    return (select(RoundFact.enterprise_code.label("code"), func.count().label("n"), func.min(RoundFact.value)
                   .label("low")).where(RoundFact.round_id == rid, RoundFact.kind.in_(kinds))
            .group_by(RoundFact.enterprise_code).subquery())


def _zeroing(rid: int, rules: dict[str, Any], indicator: str) -> Any:
    """Per enterprise: the facts that zero this indicator (named on the fact, else the zero rule's indicator)."""
    conditions = [and_(RoundFact.kind == z["fact"], func.coalesce(RoundFact.indicator, z["indicator"]) == indicator)
                  for z in rules["zero"]]
    query = select(RoundFact.enterprise_code.label("code"), func.count().label("n")).where(RoundFact.round_id == rid)
    query = query.where(_or(conditions) if conditions else literal(False))
    return query.group_by(RoundFact.enterprise_code).subquery()


def _or(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    result = conditions[0]
    for condition in conditions[1:]:
        result = result | condition
    return result


def points_expression(rule: dict[str, Any], count: ColumnElement[Any], low: ColumnElement[Any]) -> ColumnElement[Any]:
    """The points of one scoring rule as a SQL expression over the fact count and smallest value."""
    if rule["kind"] == "count":
        steps = sorted(rule["steps"], key=lambda s: s[0], reverse=True)
        if len(steps) == 1:
            return literal(float(steps[0][1]))
        return case(*[(count >= threshold, literal(float(points))) for threshold, points in steps[:-1]],
                    else_=literal(float(steps[-1][1])))
    if rule["kind"] == "rate":
        missing = rule.get("missing_points")
        return case((low.is_(None), literal(float(rule["pass_points"] if missing is None else missing))),
                    (low < rule["pass_line"], literal(float(rule["fail_points"]))),
                    else_=literal(float(rule["pass_points"])))
    return case((count > 0, literal(float(rule["present_points"]))), else_=literal(float(rule["absent_points"])))


def _score_indicator(session: Session, rid: int, rules: dict[str, Any], group: dict[str, Any],
                     indicator: dict[str, Any]) -> None:
    facts, zero = _facts(rid, [indicator["rule"]["fact"]]), _zeroing(rid, rules, indicator["key"])
    count, zeroed = func.coalesce(facts.c.n, 0), func.coalesce(zero.c.n, 0)
    points = case((zeroed > 0, literal(0.0)), else_=points_expression(indicator["rule"], count, facts.c.low))
    factor = group["weight"] * indicator["weight"] / 10000.0
    session.execute(insert(ScoreItem).from_select(
        ["round_id", "enterprise_code", "indicator", "fact_count", "fact_value", "zeroed", "points", "weighted"],
        select(literal(rid), CreditScore.enterprise_code, literal(indicator["key"]), count, facts.c.low, zeroed,
               points, points * factor)
        .outerjoin(facts, facts.c.code == CreditScore.enterprise_code)
        .outerjoin(zero, zero.c.code == CreditScore.enterprise_code)
        .where(CreditScore.round_id == rid)))


def _fact_count(rid: int, kinds: list[str]) -> Any:
    return (select(func.count()).where(RoundFact.round_id == rid, RoundFact.enterprise_code == CreditScore.enterprise_code,
                                       RoundFact.kind.in_(kinds)).scalar_subquery())


def _totals_and_levels(session: Session, rid: int, rules: dict[str, Any]) -> None:
    total = (select(func.coalesce(func.sum(ScoreItem.weighted), 0.0))
             .where(ScoreItem.round_id == rid, ScoreItem.enterprise_code == CreditScore.enterprise_code)
             .scalar_subquery())
    session.execute(update(CreditScore).where(CreditScore.round_id == rid)
                    .values(score=func.round(cast(total, Numeric(10, 4)), 2)).execution_options(synchronize_session=False))
    t = rules["levels"]
    score_level = case((CreditScore.score >= t["trustworthy"], 1), (CreditScore.score >= t["good"], 2),
                       (CreditScore.score >= t["warning"], 3), else_=4)
    vetoed = _fact_count(rid, [v["fact"] for v in rules["veto"]]) if rules["veto"] else literal(0)
    drops: ColumnElement[Any] = literal(0)
    for rule in rules["downgrade"]:
        drops = drops + case((_fact_count(rid, [rule["fact"]]) > 0, rule["levels"]), else_=0)
    session.execute(update(CreditScore).where(CreditScore.round_id == rid)
                    .values(score_level=score_level, vetoed=vetoed, downgrades=drops)
                    .execution_options(synchronize_session=False))
    moved = CreditScore.score_level + CreditScore.downgrades
    proposed = case((CreditScore.vetoed > 0, 4), (moved > 4, 4), else_=moved)
    session.execute(update(CreditScore).where(CreditScore.round_id == rid)
                    .values(proposed_level=proposed, level=proposed).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class BreakdownRow:
    group: str
    indicator: str
    label: str
    weight: float
    fact_count: int
    fact_value: float | None
    zeroed: int
    points: float
    weighted: float
    facts: list[RoundFact]


def breakdown(session: Session, rid: int, enterprise_code: str, rules: dict[str, Any]) -> list[BreakdownRow]:
    """The table indicator → facts → points of one enterprise in a round."""
    items = {i.indicator: i for i in session.scalars(select(ScoreItem).where(
        ScoreItem.round_id == rid, ScoreItem.enterprise_code == enterprise_code))}
    facts = list(session.scalars(select(RoundFact).where(
        RoundFact.round_id == rid, RoundFact.enterprise_code == enterprise_code).order_by(RoundFact.occurred_at)))
    zero_kinds = {z["fact"]: z["indicator"] for z in rules["zero"]}
    rows = []
    for group, indicator in indicators(rules):
        item = items.get(indicator["key"])
        if item is None:
            continue
        related = [f for f in facts if f.kind == indicator["rule"]["fact"]
                   or (f.kind in zero_kinds and (f.indicator or zero_kinds[f.kind]) == indicator["key"])]
        rows.append(BreakdownRow(group["label"], indicator["key"], indicator["label"],
                                 group["weight"] * indicator["weight"] / 100, item.fact_count, item.fact_value,
                                 item.zeroed, item.points, item.weighted, related))
    return rows
