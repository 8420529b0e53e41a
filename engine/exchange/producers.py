"""The environment-side categories made from the platform's own data, and the nightly publication of them.

- online monitoring: :func:`engine.monitoring.monthly.outlet_figures` per enterprise, outlet and factor;
- supervisory monitoring: :class:`SupervisoryResult` rows as entered or imported;
- permits: the register's permit fields with the outlets (monitoring points) and their factors' limits;
- penalties: credit facts of kind ``penalty`` (one source for penalties, ``engine/credit``);
- review feedback: the answers of ``tax_review`` processes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.credit.models import CreditFact
from engine.db import utcnow
from engine.exchange.categories import Category
from engine.exchange.models import ExchangeBatch, SupervisoryResult
from engine.exchange.outgoing import OutRecord, offer
from engine.monitoring.codes import FACTORS
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor
from engine.monitoring.monthly import outlet_figures
from engine.tax.models import TaxReview

log = logging.getLogger(__name__)

CHINA = timezone(timedelta(hours=8))


def months_to_publish(now: datetime) -> list[str]:
    """Last month (final) and this month (to date), China Standard Time."""
    today = now.astimezone(CHINA).date()
    first = today.replace(day=1)
    previous = first - timedelta(days=1)
    return [f"{previous.year:04d}-{previous.month:02d}", f"{today.year:04d}-{today.month:02d}"]


def online_monitoring(session: Session, month: str) -> list[OutRecord]:
    enterprises = session.execute(select(Enterprise.credit_code, Enterprise.region_code).where(
        Enterprise.id.in_(select(MonitoringPoint.enterprise_id))).order_by(Enterprise.credit_code)).all()
    records = []
    for credit_code, region_code in enterprises:
        for figure in outlet_figures(session, credit_code, month):
            if figure.valid_values:
                records.append(OutRecord(f"{figure.mn}/{figure.factor}/{month}", credit_code, region_code, month,
                                         {"credit_code": credit_code, "month": month, **figure.as_json()}))
    return records


def supervisory_monitoring(session: Session) -> list[OutRecord]:
    rows = session.execute(select(SupervisoryResult, Enterprise.region_code).join(
        Enterprise, Enterprise.credit_code == SupervisoryResult.credit_code, isouter=True)
        .order_by(SupervisoryResult.id)).all()
    return [OutRecord(f"{r.report_no}/{r.outlet_code}/{r.pollutant_code}", r.credit_code, region or "",
                      r.sampled_on.isoformat()[:7],
                      {"report_no": r.report_no, "credit_code": r.credit_code, "outlet_code": r.outlet_code,
                       "pollutant_code": r.pollutant_code, "sampled_on": r.sampled_on.isoformat(),
                       "concentration": r.concentration, "unit": r.unit, "limit": r.limit,
                       "exceeded": r.limit is not None and r.concentration > r.limit, "station": r.station})
            for r, region in rows]


def permits(session: Session) -> list[OutRecord]:
    points = session.scalars(select(MonitoringPoint).order_by(MonitoringPoint.mn)).all()
    factors: dict[int, list[PointFactor]] = defaultdict(list)
    for factor in session.scalars(select(PointFactor).order_by(PointFactor.code)):
        factors[factor.point_id].append(factor)
    outlets: dict[int, list[dict[str, object]]] = defaultdict(list)
    for point in points:
        outlets[point.enterprise_id].append({
            "outlet_code": point.outlet_code, "kind": point.kind, "mn": point.mn, "name": point.name,
            "pollutants": [{"code": f.code, "name": f.name or (FACTORS[f.code].name if f.code in FACTORS else ""),
                            "unit": f.unit, "limit": f.upper_limit, "standard": f.standard}
                           for f in factors[point.id]]})
    enterprises = session.scalars(select(Enterprise).where(
        (Enterprise.permit_number != "") | Enterprise.id.in_(outlets.keys())).order_by(Enterprise.credit_code))
    return [OutRecord(e.credit_code, e.credit_code, e.region_code, (e.permit_valid_from.isoformat()[:7]
                                                                    if e.permit_valid_from else ""),
                      {"credit_code": e.credit_code, "name": e.name, "region_code": e.region_code,
                       "permit_number": e.permit_number, "permit_class": e.permit_class,
                       "valid_from": e.permit_valid_from.isoformat() if e.permit_valid_from else None,
                       "valid_to": e.permit_valid_to.isoformat() if e.permit_valid_to else None,
                       "status": e.status, "outlets": outlets.get(e.id, [])})
            for e in enterprises]


def penalties(session: Session) -> list[OutRecord]:
    rows = session.execute(select(CreditFact, Enterprise.region_code).join(
        Enterprise, Enterprise.credit_code == CreditFact.enterprise_code, isouter=True)
        .where(CreditFact.kind == "penalty").order_by(CreditFact.id)).all()
    return [OutRecord(f"P{fact.id}", fact.enterprise_code, region or "", fact.occurred_on.isoformat()[:7],
                      {"credit_code": fact.enterprise_code, "reference": fact.reference,
                       "decided_on": fact.occurred_on.isoformat(), "description": fact.description,
                       "source": fact.source})
            for fact, region in rows]


def review_feedback(session: Session) -> list[OutRecord]:
    reviews = session.scalars(select(TaxReview).where(TaxReview.answered_at.is_not(None)).order_by(TaxReview.id))
    return [OutRecord(r.request_no, r.enterprise_code, r.region_code, r.tax_period, {
        "request_no": r.request_no, "credit_code": r.enterprise_code, "tax_period": r.tax_period,
        "source": "tax_review", "conclusion": r.conclusion or "", "opinion": r.opinion,
        "reviewed_emission_kg": (r.reviewed or {}).get("emission_kg"),
        "reviewed_concentration": (r.reviewed or {}).get("concentration"),
        "answered_at": r.answered_at.isoformat() if r.answered_at else None}) for r in reviews]


WHOLE: dict[Category, Callable[[Session], list[OutRecord]]] = {
    Category.SUPERVISORY_MONITORING: supervisory_monitoring, Category.PERMITS: permits,
    Category.PENALTIES: penalties, Category.REVIEW_FEEDBACK: review_feedback}


def publish_all(session: Session, now: datetime | None = None) -> list[ExchangeBatch]:
    """Offer every environment-side category's current records; returns the batches made (changes only)."""
    stamp = now or utcnow()
    today = stamp.astimezone(CHINA).date().isoformat()
    batches = [offer(session, Category.ONLINE_MONITORING, online_monitoring(session, month), period=month, now=stamp)
               for month in months_to_publish(stamp)]
    batches += [offer(session, category, produce(session), period=today, now=stamp)
                for category, produce in WHOLE.items()]
    made = [batch for batch in batches if batch is not None]
    log.info("exchange publication: %s batches, %s records", len(made), sum(b.record_count for b in made))
    return made
