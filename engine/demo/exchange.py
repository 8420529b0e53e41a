"""Demo traffic of the tax exchange: the environment side published, and a month of the simulated tax bureau's
batches received through the same service the API calls, so the sync status page shows traffic at once
(``make demo`` keeps a live simulator running beside the server)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.demo.monitoring import OPERATOR
from engine.demo.processes import TAX
from engine.exchange import ingest, producers, supervisory
from engine.exchange.categories import Category
from engine.exchange.models import ExchangeBatch
from engine.exchange.simulation import TaxBureau, last_month, sequence_base

log = logging.getLogger(__name__)

STATION = "广东省生态环境监测中心"


def _supervisory_results(session: Session, permits: list[dict[str, Any]], month: str) -> None:
    """A station's quarterly sampling of the first few water outlets (one above its limit)."""
    rows = []
    for number, (permit, outlet) in enumerate((p, o) for p in permits for o in p["outlets"] if o["kind"] == "water"):
        if number >= 6:
            break
        for pollutant in outlet["pollutants"]:
            if pollutant["code"] in ("w01018", "w21003") and pollutant["limit"]:
                share = 1.2 if number == 0 and pollutant["code"] == "w01018" else 0.6
                rows.append({"report_no": f"JC{month.replace('-', '')}{number:03d}",
                             "credit_code": permit["credit_code"],
                             "outlet_code": outlet["outlet_code"], "pollutant_code": pollutant["code"],
                             "sampled_on": f"{month}-12", "concentration": round(pollutant["limit"] * share, 2),
                             "unit": "mg/L", "limit": pollutant["limit"], "station": STATION})
    if rows:
        supervisory.enter(session, OPERATOR, rows)


def seed_exchange(session: Session, now: datetime | None = None) -> None:
    """Idempotent: nothing happens once a batch exists."""
    if session.scalar(select(ExchangeBatch.id).limit(1)) is not None:
        return
    moment = now or utcnow()
    permits = [record.payload for record in producers.permits(session)]
    _supervisory_results(session, permits, last_month(moment))
    producers.publish_all(session, moment)
    plan = TaxBureau(sequence_base(moment), seed=1).round(permits, last_month(moment), moment.date())
    for body in plan.batches:
        ingest.receive(session, TAX, ingest.BatchIn(**{**body, "category": Category(body["category"])}))
    log.info("exchange demo: %d batches received, %d bad records planted", len(plan.batches), plan.bad_records)
