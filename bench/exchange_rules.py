"""Data-inspection (数据监查) benchmark: a month's six rules over 40,000 taxpayers and ~200,000 return lines.

A throw-away PostgreSQL database gets ``--taxpayers`` enterprises (each a taxpayer under its own credit
code, 1 % under a code the register does not know), 1.5 permitted outlets (monitoring points) each with
two factors, a tax source per outlet and factor (automatic monitoring) plus two per taxpayer measured
otherwise (coefficient), one return line per source for July 2026, the month's monitored figures per
point and factor, and penalties. A few per cent of each kind of problem is planted: understated returns,
outlets without a source, enterprises without a permit, enterprises that filed nothing, declared
concentrations above the limit, points without valid data. Then, in the same run:

- ``sql``: :func:`engine.exchange.datacheck.run.run_month` — each rule one ``INSERT … SELECT`` of its new
  findings and one ``UPDATE`` clearing vanished ones, over all taxpayers;
- ``loop``: the baseline — for each of ``--loop-sample`` taxpayers, its enterprise, outlets, sources,
  returns, monitored figures, limits and penalties read with one query each, the rules evaluated in
  Python; its per-taxpayer time is extrapolated to all taxpayers, and its findings for the sample are
  checked equal to the SQL ones.

The monthly figures are loaded directly (aggregating a month of hourly data for 60,000 points is the
monitoring store's job, measured in ``bench/reports.py``); the month's return lines are as the exchange
stored them.

Usage: ``python -m bench.exchange_rules [--taxpayers 40000] [--loop-sample 2000] [--pg-url URL]``.
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
from engine.actors import SYSTEM
from engine.credit.models import CreditFact
from engine.db import make_engine
from engine.exchange.datacheck import checks, rules
from engine.exchange.datacheck.models import Finding, MonitoredMonth
from engine.exchange.datacheck.run import run_month
from engine.exchange.models import TaxReturn, TaxSource, TaxTaxpayer
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor
from engine.regions import region_tree
from bench.timing import timed

CHINA = timezone(timedelta(hours=8))
MONTH = "2026-07"
TODAY = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, tzinfo=CHINA)
TARGET_S = 60.0
FACTORS = ("a21026", "a21002")


def _code(n: int) -> str:
    return f"9144{n:014d}"


def populate(session: Session, taxpayers: int) -> dict[str, int]:
    """The register, the tax side's records and the month's monitored figures; returns row counts."""
    counties = [c.code for city in region_tree().cities() for c in region_tree().children(city.code)] or ["440106"]
    session.execute(insert(Enterprise), [
        {"credit_code": _code(n), "name": f"企业{n}", "region_code": counties[n % len(counties)], "created_at": NOW,
         "permit_number": "" if n % 50 == 7 else f"P{n}", "permit_valid_from": date(2024, 1, 1),
         "permit_valid_to": date(2028, 12, 31)} for n in range(taxpayers)])
    enterprise_ids = list(session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    session.execute(insert(MonitoringPoint), [
        {"enterprise_id": enterprise_ids[n], "mn": f"MN{n:08d}{k}", "name": f"排口{k}", "kind": "air",
         "outlet_code": f"DA00{k}", "password_hash": "x", "created_at": NOW, "monitoring_since": NOW}
        for n in range(taxpayers) for k in range(1 + n % 2)])
    points = session.execute(select(MonitoringPoint.id, MonitoringPoint.enterprise_id, MonitoringPoint.outlet_code)
                             .order_by(MonitoringPoint.id)).all()
    session.execute(insert(PointFactor), [{"point_id": p.id, "code": code, "upper_limit": 100.0, "rule_params": {}}
                                          for p in points for code in FACTORS])
    session.execute(insert(MonitoredMonth), [
        {"month": MONTH, "point_id": p.id, "factor": code, "emission_kg": 1000.0, "mean_concentration": 50.0,
         "valid_days": 0 if p.id % 97 == 3 else 31, "periods": 744, "computed_at": NOW}
        for p in points for code in FACTORS])
    session.execute(insert(TaxTaxpayer), [
        {"record_key": code, "credit_code": code, "name": f"企业{n}", "region_code": counties[n % len(counties)],
         "batch_id": 1, "digest": "d"} for n in range(taxpayers) for code in [_taxpayer_code(n)]])
    number = {eid: n for n, eid in enumerate(enterprise_ids)}
    sources = [{"n": number[p.enterprise_id], "outlet": p.outlet_code, "factor": code, "method": "automatic"}
               for p in points for code in FACTORS if not (number[p.enterprise_id] % 40 == 5 and p.outlet_code == "DA001")]
    sources += [{"n": n, "outlet": f"DW00{k}", "factor": "w01018", "method": "coefficient"}
                for n in range(taxpayers) for k in (1, 2)]
    session.execute(insert(TaxSource), [
        {"record_key": f"S{s['n']}-{s['outlet']}-{s['factor']}", "source_no": f"S{s['n']}-{s['outlet']}-{s['factor']}",
         "credit_code": _taxpayer_code(s["n"]), "outlet_code": s["outlet"], "pollutant_kind": "air",
         "pollutant_code": s["factor"], "method": s["method"], "valid_from": date(2024, 1, 1), "batch_id": 1,
         "digest": "d"} for s in sources])
    session.execute(insert(TaxReturn), [
        {"record_key": f"R{s['n']}-{s['outlet']}-{s['factor']}/{MONTH}", "return_no": f"R{s['n']}",
         "credit_code": _taxpayer_code(s["n"]), "source_no": f"S{s['n']}-{s['outlet']}-{s['factor']}",
         "outlet_code": s["outlet"], "pollutant_code": s["factor"], "month": MONTH,
         "concentration": 120.0 if i % 101 == 9 else 50.0, "concentration_unit": "mg/m3",
         "emission_kg": 500.0 if i % 33 == 4 else 1000.0, "tax_amount": 10, "declared_on": date(2026, 10, 10),
         "batch_id": 1, "digest": "d"} for i, s in enumerate(sources) if s["n"] % 100 != 11])
    session.execute(insert(CreditFact), [
        {"enterprise_code": _code(n), "kind": "penalty", "occurred_on": date(2026, 5, 1), "reference": f"罚{n}",
         "description": "", "source": "bench", "entered_by": "bench", "entered_at": NOW}
        for n in range(0, taxpayers, 3)])
    session.execute(text("ANALYZE"))
    return {name: int(session.scalar(select(func.count()).select_from(model)) or 0) for name, model in (
        ("enterprises", Enterprise), ("points", MonitoringPoint), ("taxpayers", TaxTaxpayer),
        ("tax_sources", TaxSource), ("tax_returns", TaxReturn), ("monitored_months", MonitoredMonth),
        ("penalties", CreditFact))}


def _taxpayer_code(n: int) -> str:
    """1 % of taxpayers carry a code the register does not know (they wait on the matching page)."""
    return f"9145{n:014d}" if n % 100 == 42 else _code(n)


def loop(session: Session, sample: int) -> set[tuple[str, str]]:
    """The per-taxpayer baseline: one query per kind of record, the six rules in Python."""
    ruleset = rules.current(session)
    month = checks.Month.of(MONTH)
    found: set[tuple[str, str]] = set()
    for code, in session.execute(select(TaxTaxpayer.credit_code).order_by(TaxTaxpayer.id).limit(sample)):
        enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).first()
        if enterprise is None:
            continue
        found |= _evaluate(session, ruleset, month, code, enterprise)
    return found


def _evaluate(session: Session, ruleset: rules.RuleSet, month: checks.Month, code: str,
              enterprise: Enterprise) -> set[tuple[str, str]]:
    points = {p.outlet_code: p for p in session.scalars(
        select(MonitoringPoint).where(MonitoringPoint.enterprise_id == enterprise.id).order_by(MonitoringPoint.id.desc()))
        if p.outlet_code}
    sources = {s.source_no: s for s in session.scalars(select(TaxSource).where(TaxSource.credit_code == code))}
    returns = list(session.scalars(select(TaxReturn).where(TaxReturn.credit_code == code, TaxReturn.month == MONTH)))
    figures = {(f.point_id, f.factor): f for f in session.scalars(select(MonitoredMonth).where(
        MonitoredMonth.month == MONTH, MonitoredMonth.point_id.in_([p.id for p in points.values()])))}
    limits = {(f.point_id, f.code): f.upper_limit for f in session.scalars(select(PointFactor).where(
        PointFactor.point_id.in_([p.id for p in points.values()])))}
    penalised = session.scalar(select(func.count()).select_from(CreditFact).where(
        CreditFact.enterprise_code == code, CreditFact.kind == "penalty",
        CreditFact.occurred_on >= month.months_back(int(ruleset.rule("exceedance_without_penalty")[
            "penalty_lookback_months"])))) or 0
    permitted = bool(enterprise.permit_number) and (enterprise.permit_valid_to or month.first) >= month.first
    found: set[tuple[str, str]] = set()
    below = 1 - ruleset.rule("declared_below_monitored")["threshold_percent"] / 100
    for line in returns:
        source = sources[line.source_no]
        point = points.get(source.outlet_code)
        figure = figures.get((point.id, line.pollutant_code)) if point else None
        if figure and figure.emission_kg is not None and figure.emission_kg >= 1.0 \
                and line.emission_kg < figure.emission_kg * below:
            found.add(("declared_below_monitored", line.record_key))
        limit = limits.get((point.id, line.pollutant_code)) if point else None
        if limit is not None and line.concentration is not None and line.concentration > limit and not penalised:
            found.add(("exceedance_without_penalty", line.record_key))
        if source.method == "automatic" and line.concentration is not None and (figure.valid_days if figure else 0) < 1:
            found.add(("declared_without_monitoring", line.record_key))
    declared_outlets = {s.outlet_code for s in sources.values()}
    if permitted:
        found |= {("outlets_without_source", f"{code}/{o}") for o in points if o not in declared_outlets}
    else:
        found |= {("source_without_permit", key) for key in sources}
    if not returns and any(f.valid_days >= 1 for f in figures.values()):
        found.add(("monitoring_without_return", code))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    bundled_processes.wire()
    parser = argparse.ArgumentParser(prog="python -m bench.exchange_rules", description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=40_000)
    parser.add_argument("--loop-sample", type=int, default=2_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    results: dict[str, float] = {}
    with bench_database("postgres", args.pg_url) as url:
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            counts = timed("populate", results, lambda: populate(session, args.taxpayers))
        with Session(engine) as session, session.begin():
            run = timed("sql", results, lambda: run_month(session, SYSTEM, MONTH, today=TODAY,
                                                            refresh_figures=False))
            sample_codes = list(session.scalars(select(TaxTaxpayer.credit_code).order_by(TaxTaxpayer.id)
                                                .limit(args.loop_sample)))
            sql_found = {(f.rule, f.subject_key) for f in session.scalars(
                select(Finding).where(Finding.taxpayer_code.in_(sample_codes)))}
            loop_found = timed("loop sample", results, lambda: loop(session, args.loop_sample))
        engine.dispose()
    assert loop_found == sql_found, (f"the loop and the SQL disagree: {sorted(loop_found - sql_found)[:3]} "
                                     f"/ {sorted(sql_found - loop_found)[:3]}")
    results["loop extrapolated"] = round(results["loop sample"] / max(1, args.loop_sample) * args.taxpayers, 1)
    results["ratio loop/sql"] = round(results["loop extrapolated"] / max(results["sql"], 0.01), 1)
    print(json.dumps({"rows": counts, "findings": run.found, "sample findings": len(sql_found), "seconds": results,
                      "target_s": TARGET_S, "within_target": results["sql"] < TARGET_S,
                      "machine": machine(args.pg_url)}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
