"""Review requests (复核提请) arriving in a batch: each new one starts a 涉税复核 (``tax_review``) process at the
county of the enterprise, exactly as ``POST /api/v1/tax/review-requests`` does; a resend changes nothing; a
request already received cannot be changed (the county is working on it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import EcoLoopError
from engine.exchange import canonical
from engine.exchange.categories import Category
from engine.exchange.models import Direction, ExchangeBatch
from engine.exchange.store import RECORDS, Item, Written, refused, upsert
from engine.instances import service as instances
from engine.monitoring.models import Enterprise
from engine.tax import review as tax
from engine.tax.models import TaxReview


def write(session: Session, actor: Actor, batch: ExchangeBatch,
          accepted: Sequence[tuple[str, dict[str, Any], str]]) -> list[Written]:
    """Start a review for each new request and store it; one outcome per request, in order."""
    keys = [key for key, _, _ in accepted]
    stored: dict[str, str] = dict(session.execute(select(RECORDS.c.record_key, RECORDS.c.digest).where(
        RECORDS.c.direction == Direction.IN.value, RECORDS.c.category == Category.REVIEW_REQUESTS.value,
        RECORDS.c.record_key.in_(keys))).all())
    return [_one(session, actor, batch, key, loaded, digest, stored.get(key)) for key, loaded, digest in accepted]


def _one(session: Session, actor: Actor, batch: ExchangeBatch, key: str, loaded: dict[str, Any], digest: str,
         stored_digest: str | None) -> Written:
    if stored_digest is not None:
        return ("unchanged", 1, []) if stored_digest == digest else refused("already_received", name="request_no")
    if session.scalar(select(TaxReview.id).where(TaxReview.request_no == key)) is not None:
        return refused("already_received", name="request_no")
    enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == loaded["credit_code"])).first()
    if enterprise is None:
        return refused("unknown_enterprise", name="credit_code")
    data = {name: canonical.as_json(loaded)[name] for name in ("request_no", "tax_period", "reason", "reported",
                                                                "note")}
    try:
        with session.begin_nested():
            instances.start(session, actor, instances.StartRequest(
                process_key=tax.PROCESS_KEY, region_code=enterprise.region_code, enterprise_code=enterprise.credit_code,
                business_key=key, subject=f"涉税复核 {key}", data=data))
    except EcoLoopError as exc:
        return refused("not_started", str(exc))
    values = {"direction": Direction.IN.value, "category": Category.REVIEW_REQUESTS.value,
              "credit_code": enterprise.credit_code, "region_code": enterprise.region_code,
              "period": loaded["tax_period"], "payload": canonical.as_json(loaded)}
    return upsert(session, RECORDS, [Item(key, values, digest)], batch.id, direction=Direction.IN.value,
                  category=Category.REVIEW_REQUESTS)[0]
