"""Demo tax-side records for the matching page, the 数据监查表 and the tax reports.

The demo tax bureau sends, through the real batch intake (``engine.exchange.ingest``), its taxpayers,
tax sources and returns for a dozen enterprises of the demo register — plus two taxpayers and one outlet
the register does not know, so the matching page has work — and the rules run over the recent months.
The demo register carries no permits; the permit numbers are filled in here (as the permit register would),
leaving one enterprise without, so its tax sources show as unpermitted.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from engine.actors import SYSTEM, Actor, Role
from engine.exchange import canonical, ingest
from engine.exchange.categories import Category
from engine.exchange.datacheck import findings
from engine.exchange.datacheck.jobs import months_before
from engine.exchange.datacheck.models import Finding, FindingStatus
from engine.exchange.datacheck.run import run_month
from engine.exchange.models import ExchangeBatch
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor

log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))
TAX = Actor("demo-tax-bureau", frozenset({Role.TAX_CLIENT}), "440000", display_name="税务部门（演示）")
ENTERPRISES = 12


def seed_datacheck(session: Session, now: datetime | None = None) -> None:
    """Idempotent: nothing when the demo batches are already stored."""
    today = (now or datetime.now(CHINA)).astimezone(CHINA).date()
    this_month = f"{today.year:04d}-{today.month:02d}"
    months = [*months_before(today, 3), this_month]
    register = list(session.scalars(select(Enterprise).order_by(Enterprise.id)))
    enterprises = register[:ENTERPRISES]
    if not enterprises or _sent(session):
        return
    for n, enterprise in enumerate(register):
        if n != 3 and not enterprise.permit_number:
            enterprise.permit_number = f"9144{enterprise.credit_code[4:12]}{n:03d}P"
            enterprise.permit_valid_from, enterprise.permit_valid_to = date(2024, 1, 1), date(2029, 12, 31)
    points = _points(session, enterprises)
    _send(session, Category.TAXPAYERS, this_month, 1, _taxpayers(enterprises))
    _send(session, Category.TAX_SOURCES, this_month, 1, _sources(points))
    _send(session, Category.TAX_RETURNS, this_month, 1, _returns(points, months, today))
    for month in months:
        run_month(session, SYSTEM, month, today=today)
    _verify_one(session)
    log.info("demo tax data: %d enterprises, %d findings", len(enterprises),
             len(session.scalars(select(Finding.id)).all()))


def _sent(session: Session) -> bool:
    return session.scalar(select(ExchangeBatch.id).where(ExchangeBatch.batch_no.startswith("DEMO-"))) is not None


def _points(session: Session, enterprises: list[Enterprise]) -> list[tuple[Enterprise, MonitoringPoint, PointFactor]]:
    """Each enterprise's outlets with their first limited factor (the one its tax source declares)."""
    found = []
    for n, enterprise in enumerate(enterprises):
        for k, point in enumerate(session.scalars(select(MonitoringPoint).where(
                MonitoringPoint.enterprise_id == enterprise.id, MonitoringPoint.outlet_code != "")
                .order_by(MonitoringPoint.id))):
            factor = session.scalars(select(PointFactor).where(PointFactor.point_id == point.id,
                                                               PointFactor.upper_limit.is_not(None))
                                     .order_by(PointFactor.id).limit(1)).first()
            if factor is not None and not (n == 5 and k == 0):  # enterprise 5 leaves an outlet undeclared
                found.append((enterprise, point, factor))
    return found


def _unknown_code(n: int) -> str:
    body = f"91440106MA5DEN{n:03d}"
    return body + uscc.calc_check_digit(body)


def _taxpayers(enterprises: list[Enterprise]) -> list[dict[str, Any]]:
    known = [{"credit_code": e.credit_code, "name": e.name, "region_code": e.region_code,
              "tax_authority": "国家税务总局广东省税务局（演示）"} for e in enterprises]
    unknown = [{"credit_code": _unknown_code(n), "name": name, "region_code": "440106",
                "tax_authority": "国家税务总局广州市天河区税务局（演示）"}
               for n, name in ((1, "广州天河某餐饮管理有限公司"), (2, "广州天河某建材经营部"))]
    return known + unknown


def _sources(points: list[tuple[Enterprise, MonitoringPoint, PointFactor]]) -> list[dict[str, Any]]:
    rows = [{"source_no": _source_no(p), "credit_code": e.credit_code, "outlet_code": p.outlet_code,
             "pollutant_kind": p.kind, "pollutant_code": f.code, "method": "automatic" if n % 3 == 0 else "monitoring",
             "permit_number": e.permit_number, "valid_from": "2024-01-01"} for n, (e, p, f) in enumerate(points)]
    if points:
        first = points[0][0]
        rows.append({"source_no": f"SY-{first.credit_code[-6:]}-DA099", "credit_code": first.credit_code,
                     "outlet_code": "DA099", "pollutant_kind": "air", "pollutant_code": "a21026",
                     "method": "automatic", "permit_number": first.permit_number, "valid_from": "2025-03-01"})
    return rows


def _source_no(point: MonitoringPoint) -> str:
    return f"SY-{point.mn[-8:]}-{point.outlet_code}"


def _returns(points: list[tuple[Enterprise, MonitoringPoint, PointFactor]], months: list[str],
             today: date) -> list[dict[str, Any]]:
    """A line per source and month; the second source understates, the fourth declares above its limit."""
    rows = []
    for n, (enterprise, point, factor) in enumerate(points):
        unit = "mg/m3" if point.kind == "air" else "mg/L"
        limit = float(factor.upper_limit or 0)
        for month in months:
            concentration = round(limit * (1.3 if n == 3 else 0.6), 3)
            rows.append({"return_no": f"SB-{month}-{n:03d}", "credit_code": enterprise.credit_code,
                         "source_no": _source_no(point), "outlet_code": point.outlet_code,
                         "pollutant_code": factor.code, "month": month, "concentration": concentration,
                         "concentration_unit": unit, "emission": 0.01 if n == 1 else 120.0 + n,
                         "emission_unit": "kg", "tax_amount": f"{(120 + n) * 1.2:.2f}",
                         "declared_on": today.isoformat()})
    return rows


def _send(session: Session, category: Category, period: str, sequence: int, records: list[dict[str, Any]]) -> None:
    if records:
        ingest.receive(session, TAX, ingest.BatchIn(f"DEMO-{category.value}-{sequence}", category, period, sequence,
                                                    len(records), canonical.checksum(records), records))


def _verify_one(session: Session) -> None:
    """One finding sent to its county, so a verification task waits in the demo."""
    finding = session.scalars(select(Finding).where(Finding.status == FindingStatus.OPEN)
                              .order_by(Finding.id).limit(1)).first()
    if finding is not None:
        county = Actor("demo-seed-county", frozenset({Role.COUNTY_REVIEWER}), finding.region_code)
        findings.start_verification(session, county, finding.id, note="演示：请区县核实")
