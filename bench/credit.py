"""Credit rating benchmark: a round's scoring for 40,000 enterprises with a year of facts, set-based SQL vs a loop.

A throw-away PostgreSQL database gets ``--enterprises`` enterprises across Guangdong's counties, 7,000
monitoring points on the first 3,500 of them with one month (October 2025) of hourly records, and a
year (2025) of facts: closed anomaly cases with their conclusions, referrals to enforcement,
emergency-plan filings, answered tax reviews, and department facts (penalties with decision numbers,
ordinary and major incidents, verified complaints). Then, in the same run:

- ``sql``: :func:`engine.credit.scoring.compute` with the default rules — scope, facts snapshot
  (including the twelve monthly transmission-rate computations), points per indicator, totals and
  levels, every step one statement over all enterprises;
- ``loop``: the baseline — for each of ``--loop-sample`` enterprises, one query per fact source and
  per indicator's evidence, points and level computed in Python and the score written row by row (the
  monthly rates, shared, are not counted against it); its per-enterprise time is extrapolated to all
  enterprises, and its levels are checked equal to the SQL ones.

Usage: ``python -m bench.credit [--enterprises 40000] [--loop-sample 4000] [--pg-url URL]``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from bench.databases import DEFAULT_PG_URL, bench_database, machine
from engine import processes as bundled_processes
from engine.anomalies.models import EnforcementReferral
from engine.credit import rules as credit_rules
from engine.credit import scoring
from engine.credit.models import CreditFact, CreditRound, CreditRuleSet, CreditScore, RoundFact
from engine.credit.rule_defaults import DEFAULT_RULES
from engine.db import make_engine
from engine.emergency.models import EmergencyPlanFiling
from engine.monitoring.models import AnomalyCase, Enterprise, MonitoringPoint, PointFactor
from engine.regions import region_tree
from engine.tax.models import TaxReview
from bench.timing import timed

CHINA = timezone(timedelta(hours=8))
YEAR = 2025
NOW = datetime(2026, 1, 10, tzinfo=CHINA)
TARGET_S = 60.0


def _code(n: int) -> str:
    return f"9144{n:014d}"


def populate(session: Session, enterprises: int) -> dict[str, int]:
    """The register, one month of monitoring and a year of facts; returns row counts."""
    counties = [c.code for city in region_tree().cities() for c in region_tree().children(city.code)] or ["440106"]
    session.execute(insert(Enterprise), [
        {"credit_code": _code(n), "name": f"企业{n}", "region_code": counties[n % len(counties)],
         "industry": "", "key_unit": n % 3 == 0, "created_at": NOW} for n in range(enterprises)])
    ids = list(session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    monitored = ids[:3500]
    session.execute(insert(MonitoringPoint), [
        {"enterprise_id": monitored[n % len(monitored)], "mn": f"MN{n:020d}", "name": f"排口{n}", "kind": "air",
         "password_hash": "x", "monitoring_since": datetime(YEAR, 1, 1, tzinfo=CHINA), "created_at": NOW,
         "rtd_interval_s": 30, "minute_interval_min": 10, "active": True, "outlet_code": ""} for n in range(7000)])
    points = list(session.scalars(select(MonitoringPoint.id).order_by(MonitoringPoint.id)))
    session.execute(insert(PointFactor), [{"point_id": p, "code": c, "rule_params": {}}
                                          for p in points for c in ("a21026", "a34013")])
    session.execute(text("SELECT setseed(0.17)"))
    session.execute(text("""
        INSERT INTO measurements (point_id, cn, data_time, factors, n_factors, n_valid, revision, received_at, delay_s)
        SELECT p.id, '2061', t, '{}'::jsonb, 2, 2, 1, t + interval '70 minutes', 600
        FROM monitoring_points p
        CROSS JOIN generate_series(timestamptz '2025-10-01 00:00+08', timestamptz '2025-10-31 23:00+08',
                                   interval '1 hour') AS t
        WHERE random() > 0.01 AND NOT (p.enterprise_id % 20 = 0 AND random() < 0.2)"""))
    at = datetime(YEAR, 6, 1, tzinfo=CHINA)
    conclusions = ("confirmed_exceedance", "explanation_accepted", "equipment_fixed", "referred")
    session.execute(insert(AnomalyCase), [
        {"point_id": points[(n * 7) % len(points)], "factor": "a21026", "anomaly_type": "exceedance",
         "routed_type": "exceedance", "period_start": at + timedelta(hours=n), "period_end": at + timedelta(hours=n + 1),
         "instance_id": None, "values": [], "anomaly_count": 1, "cleared_count": 0,
         "closed_at": at + timedelta(hours=n + 48), "conclusion": conclusions[n % 4], "created_at": at,
         "updated_at": at} for n in range(20_000)])
    session.execute(insert(EnforcementReferral), [
        {"reference_no": f"YJ-{n}", "instance_id": n, "enterprise_code": _code((n * 37) % enterprises),
         "region_code": "440106", "opinion": "", "referred_by": "bench", "referred_at": at} for n in range(1000)])
    session.execute(insert(EmergencyPlanFiling), [
        {"instance_id": n, "enterprise_code": _code(n), "region_code": "440106", "status": "filed",
         "plan_name": "预案", "documents": [], "missing_items": "", "return_rounds": 0,
         "filing_number": f"BA-{n}", "filed_by": "bench", "filed_at": at - timedelta(days=n % 1500), "created_at": at}
        for n in range(0, enterprises, 5) for n in (n, n + 1, n + 2) if n < enterprises])
    session.execute(insert(TaxReview), [
        {"request_no": f"SW-{n}", "instance_id": 500_000 + n, "enterprise_code": _code((n * 11) % enterprises),
         "region_code": "440106", "tax_period": "2025-06", "reason": "abnormal", "reported": {},
         "requested_by": "tax", "received_at": at, "due_at": at, "status": "answered",
         "conclusion": ("consistent", "understated", "overstated")[n % 3], "opinion": "", "answered_at": at}
        for n in range(4000)])
    kinds = [("penalty", 800), ("complaint_verified", 8000), ("incident_ordinary", 200), ("incident_major", 40)]
    session.execute(insert(CreditFact), [
        {"enterprise_code": _code((n * 97 + k * 13) % enterprises), "kind": kind, "occurred_on": date(YEAR, 1 + n % 12, 5),
         "reference": f"粤环罚〔{YEAR}〕{n}号" if kind == "penalty" else "", "indicator": None, "description": "",
         "source": "bench", "entered_by": "bench", "entered_at": at}
        for k, (kind, count) in enumerate(kinds) for n in range(count)])
    session.execute(text("ANALYZE"))
    return {name: int(session.scalar(select(func.count()).select_from(model)) or 0) for name, model in (
        ("enterprises", Enterprise), ("anomaly_cases", AnomalyCase), ("referrals", EnforcementReferral),
        ("plan_filings", EmergencyPlanFiling), ("tax_reviews", TaxReview), ("department_facts", CreditFact))}


def _round(session: Session) -> tuple[CreditRound, dict[str, Any]]:
    rule_set = CreditRuleSet(year=YEAR, version=1, rules=credit_rules.validated(DEFAULT_RULES), changed_by="bench")
    session.add(rule_set)
    session.flush()
    credit_round = CreditRound(year=YEAR, rule_set_id=rule_set.id, opened_by="bench")
    session.add(credit_round)
    session.flush()
    return credit_round, rule_set.rules


def loop(session: Session, credit_round: CreditRound, rules: dict[str, Any], sample: int) -> dict[str, int]:
    """The per-enterprise baseline: fact queries, points and level in Python, one row written per enterprise."""
    start, end = scoring.year_bounds(YEAR)
    rates: dict[str, float | None] = {code: low for code, low in session.execute(
        select(RoundFact.enterprise_code, func.min(RoundFact.value)).where(
            RoundFact.round_id == credit_round.id, RoundFact.kind == "effective_rate")
        .group_by(RoundFact.enterprise_code))}
    levels: dict[str, int] = {}
    for code, in session.execute(select(Enterprise.credit_code).order_by(Enterprise.id).limit(sample)):
        facts: list[tuple[str, str | None]] = []
        facts += [("anomaly:" + str(c), None) for c in session.scalars(
            select(AnomalyCase.conclusion).join(MonitoringPoint, MonitoringPoint.id == AnomalyCase.point_id)
            .join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
            .where(Enterprise.credit_code == code, AnomalyCase.closed_at >= start, AnomalyCase.closed_at < end))]
        facts += [("referral", None) for _ in session.scalars(select(EnforcementReferral.id).where(
            EnforcementReferral.enterprise_code == code, EnforcementReferral.referred_at >= start,
            EnforcementReferral.referred_at < end))]
        facts += [("plan_current", None) for _ in session.scalars(select(EmergencyPlanFiling.id).where(
            EmergencyPlanFiling.enterprise_code == code, EmergencyPlanFiling.filing_number.is_not(None),
            EmergencyPlanFiling.filed_at < end, EmergencyPlanFiling.filed_at >= end.replace(year=end.year - 3)))]
        facts += [("tax:" + str(c), None) for c in session.scalars(select(TaxReview.conclusion).where(
            TaxReview.enterprise_code == code, TaxReview.answered_at >= start, TaxReview.answered_at < end))]
        facts += list(session.execute(select(CreditFact.kind, CreditFact.indicator).where(
            CreditFact.enterprise_code == code, CreditFact.occurred_on >= date(YEAR, 1, 1),
            CreditFact.occurred_on < date(YEAR + 1, 1, 1))))
        level = _level(rules, facts, rates.get(code))
        session.execute(text("UPDATE credit_scores SET level = :level WHERE round_id = :r AND enterprise_code = :c"),
                        {"level": level, "r": credit_round.id, "c": code})
        levels[code] = level
    return levels


def _level(rules: dict[str, Any], facts: list[tuple[str, str | None]], low_rate: float | None) -> int:
    zero = {z["fact"]: z["indicator"] for z in rules["zero"]}
    total = 0.0
    for group, indicator in credit_rules.indicators(rules):
        rule, key = indicator["rule"], indicator["key"]
        count = sum(1 for kind, _ in facts if kind == rule["fact"])
        if any(kind in zero and (named or zero[kind]) == key for kind, named in facts):
            points = 0.0
        elif rule["kind"] == "count":
            points = [p for threshold, p in rule["steps"] if count >= threshold][-1]
        elif rule["kind"] == "rate":
            points = rule["missing_points"] if low_rate is None else (
                rule["fail_points"] if low_rate < rule["pass_line"] else rule["pass_points"])
        else:
            points = rule["present_points"] if count else rule["absent_points"]
        total += points * group["weight"] * indicator["weight"] / 10000
    total = round(total, 2)
    t = rules["levels"]
    level = 1 if total >= t["trustworthy"] else 2 if total >= t["good"] else 3 if total >= t["warning"] else 4
    kinds = {kind for kind, _ in facts}
    if any(v["fact"] in kinds for v in rules["veto"]):
        return 4
    return min(4, level + sum(d["levels"] for d in rules["downgrade"] if d["fact"] in kinds))


def main(argv: Sequence[str] | None = None) -> int:
    bundled_processes.wire()
    parser = argparse.ArgumentParser(prog="python -m bench.credit", description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=40_000)
    parser.add_argument("--loop-sample", type=int, default=4_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    results: dict[str, float] = {}
    with bench_database("postgres", args.pg_url) as url:
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            counts = timed("populate", results, lambda: populate(session, args.enterprises))
        with Session(engine) as session, session.begin():
            credit_round, rules = _round(session)
            scored = timed("sql", results, lambda: scoring.compute(session, credit_round, rules, now=NOW))
            sql_levels = {code: level for code, level in session.execute(
                select(CreditScore.enterprise_code, CreditScore.level).where(CreditScore.round_id == credit_round.id))}
            facts = session.scalar(select(func.count()).select_from(RoundFact)) or 0
            loop_levels = timed("loop sample", results, lambda: loop(session, credit_round, rules, args.loop_sample))
        engine.dispose()
    mismatches = [c for c, level in loop_levels.items() if sql_levels.get(c) != level]
    assert not mismatches, f"the loop and the SQL disagree on {len(mismatches)} enterprises, e.g. {mismatches[:3]}"
    per_enterprise = results["loop sample"] / max(1, len(loop_levels))
    results["loop extrapolated"] = round(per_enterprise * scored, 1)
    print(json.dumps({"scored": scored, "facts in snapshot": facts, "rows": counts, "seconds": results,
                      "levels": {str(lv): sum(1 for v in sql_levels.values() if v == lv) for lv in (1, 2, 3, 4)},
                      "target_s": TARGET_S, "within_target": results["sql"] < TARGET_S,
                      "machine": machine(args.pg_url)}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
