"""Tax exchange ingest benchmark: a month of returns for 40,000 taxpayers (~200,000 records) validated and stored,
set-based vs row by row, in the same run on one throw-away PostgreSQL database.

Setup (not timed): ``--taxpayers`` taxpayers with valid credit codes and ``--sources-per-taxpayer`` tax sources
each, written straight to their tables. Then:

- ``set-based``: :func:`engine.exchange.ingest.receive` with one batch of one return line per source
  (checksum, schema load and checks of every record, lookups in chunks, one INSERT per 2,000 rows, the
  per-record answer, the audit event) and the commit;
- ``resend``: the same batch again (answered from the stored answer);
- ``re-declared``: the same lines under a new batch number (every record compared, none written);
- ``row-by-row`` (baseline): for ``--baseline-sample`` lines of another month, each record loaded and checked
  with its own queries (taxpayer, source, existing key) and written with its own INSERT; the per-record time is
  extrapolated to the whole batch.

Usage: ``python -m bench.exchange [--taxpayers 40000] [--sources-per-taxpayer 5] [--baseline-sample 20000]
[--pg-url URL]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from bench.databases import DEFAULT_PG_URL, bench_database, machine
from engine.actors import Actor, Role
from engine.db import make_engine, make_session_factory, utcnow
from engine.exchange import canonical, ingest, schedule
from engine.exchange.categories import Category
from engine.exchange.models import TaxReturn, TaxSource, TaxTaxpayer
from engine.exchange.records import record_key
from engine.exchange.store import typed_columns
from engine.exchange.validation import Lookups, Window, check, load

TAX = Actor("bench-tax", frozenset({Role.TAX_CLIENT}), "440000")
REGIONS = ("440106", "440111", "440305", "440604", "441302", "441900")


def credit_code(number: int) -> str:
    body = f"91{REGIONS[number % len(REGIONS)]}MA{number:07d}"
    return body + uscc.calc_check_digit(body)


def setup(session: Session, taxpayers: int, per_taxpayer: int) -> list[dict[str, Any]]:
    """Taxpayers and sources stored; returns the sources as (credit, source, outlet) rows."""
    now = utcnow()
    codes = [credit_code(n) for n in range(taxpayers)]
    session.execute(insert(TaxTaxpayer), [
        {"record_key": c, "version": 1, "batch_id": 0, "digest": "", "updated_at": now, "credit_code": c,
         "name": f"纳税人{n}", "region_code": c[2:8], "tax_authority": "", "status": "normal"}
        for n, c in enumerate(codes)])
    sources = [{"credit_code": c, "source_no": f"SY{n:06d}{k}", "outlet_code": f"DA{k + 1:03d}"}
               for n, c in enumerate(codes) for k in range(per_taxpayer)]
    session.execute(insert(TaxSource), [
        {"record_key": s["source_no"], "version": 1, "batch_id": 0, "digest": "", "updated_at": now,
         "source_no": s["source_no"], "credit_code": s["credit_code"], "outlet_code": s["outlet_code"],
         "pollutant_kind": "air", "pollutant_code": "a21026", "method": "automatic", "permit_number": "",
         "valid_from": date(2024, 1, 1)} for s in sources])
    return sources


def returns(sources: list[dict[str, Any]], month: str) -> list[dict[str, Any]]:
    return [{"return_no": f"SB{month.replace('-', '')}{s['source_no'][2:8]}", "credit_code": s["credit_code"],
             "source_no": s["source_no"], "outlet_code": s["outlet_code"], "pollutant_code": "a21026",
             "month": month, "concentration": 12.5 + n % 7, "concentration_unit": "mg/m3",
             "emission": 100.0 + n % 997, "emission_unit": "kg", "equivalents": round((100.0 + n % 997) / 0.95, 2),
             "tax_amount": f"{(100.0 + n % 997) / 0.95 * 1.8:.2f}", "declared_on": "2026-11-14"}
            for n, s in enumerate(sources)]


def batch(records: list[dict[str, Any]], number: str, sequence: int, month: str) -> ingest.BatchIn:
    return ingest.BatchIn(batch_no=number, category=Category.TAX_RETURNS, period=month, sequence=sequence,
                          record_count=len(records), checksum=canonical.checksum(records), records=records)


def timed_receive(sessions: Any, body: ingest.BatchIn) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, this process's CPU seconds, and the answer."""
    started, cpu = time.perf_counter(), time.process_time()
    with sessions.begin() as session:
        answer = ingest.receive(session, TAX, body)
    return time.perf_counter() - started, time.process_time() - cpu, answer


def row_by_row(sessions: Any, records: list[dict[str, Any]], month: str) -> tuple[float, float]:
    """The baseline: per record, its own queries and its own INSERT; wall and CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    with sessions.begin() as session:
        window = Window.of(month, schedule.current(session).max_age_months, utcnow())
        for raw in records:
            loaded, problems = load(Category.TAX_RETURNS, raw)
            assert loaded is not None and not problems
            lookups = Lookups()
            if session.scalar(select(TaxTaxpayer.id).where(TaxTaxpayer.credit_code == loaded["credit_code"])):
                lookups.taxpayers.add(loaded["credit_code"])
            source = session.execute(select(TaxSource.credit_code, TaxSource.outlet_code, TaxSource.pollutant_kind)
                                     .where(TaxSource.source_no == loaded["source_no"])).first()
            if source is not None:
                lookups.sources[loaded["source_no"]] = (source[0], source[1], source[2])
            assert not check(Category.TAX_RETURNS, loaded, lookups, window)
            key = record_key(Category.TAX_RETURNS, raw)
            if session.scalar(select(TaxReturn.id).where(TaxReturn.record_key == key)) is None:
                session.add(TaxReturn(**typed_columns(Category.TAX_RETURNS, loaded), record_key=key, version=1,
                                      batch_id=0, digest=canonical.digest(loaded), updated_at=utcnow()))
                session.flush()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=40_000)
    parser.add_argument("--sources-per-taxpayer", type=int, default=5)
    parser.add_argument("--baseline-sample", type=int, default=20_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args()
    with bench_database("postgresql", args.pg_url) as url:
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            sources = setup(session, args.taxpayers, args.sources_per_taxpayer)
        month = "2026-10"
        lines = returns(sources, month)
        load_before = os.getloadavg()
        seconds, cpu, answer = timed_receive(sessions, batch(lines, "BENCH-1", 1, month))
        resend, _, resent = timed_receive(sessions, batch(lines, "BENCH-1", 1, month))
        again, again_cpu, unchanged = timed_receive(sessions, batch(lines, "BENCH-2", 2, month))
        sample = returns(sources[:args.baseline_sample], "2026-09")
        baseline, baseline_cpu = row_by_row(sessions, sample, "2026-09")
        per_record = baseline / len(sample)
        engine.dispose()
    result = {
        "records": len(lines), "taxpayers": args.taxpayers, "accepted": answer["accepted"],
        "refused": answer["refused"], "set_based_s": round(seconds, 2), "set_based_cpu_s": round(cpu, 2),
        "resend_s": round(resend, 2), "resent": resent["resent"], "re_declared_s": round(again, 2),
        "re_declared_cpu_s": round(again_cpu, 2), "re_declared_unchanged": unchanged["unchanged"],
        "row_by_row_sample": len(sample), "row_by_row_sample_s": round(baseline, 2),
        "row_by_row_sample_cpu_s": round(baseline_cpu, 2),
        "row_by_row_extrapolated_s": round(per_record * len(lines), 1),
        "speed-up": round(per_record * len(lines) / seconds, 1),
        "load_average_before": [round(v, 2) for v in load_before], "load_average_after": [
            round(v, 2) for v in os.getloadavg()], "machine": machine(args.pg_url)}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
