"""The demo's exchange traffic: every category has batches, refusals are planted, and seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.demo.bootstrap import seed
from engine.demo.exchange import seed_exchange
from engine.exchange.models import ExchangeBatch, ExchangeRefusal
from engine.exchange.status import category_status


def test_the_demo_seeds_traffic_in_every_scheduled_category(session: Session) -> None:
    seed(session)
    seed_exchange(session)
    statuses = {s.category: s for s in category_status(session)}
    for category in ("review_requests", "taxpayers", "tax_sources", "tax_returns", "tax_payments"):
        assert statuses[category].batches and statuses[category].records_in, category
    for category in ("online_monitoring", "supervisory_monitoring", "permits"):
        assert statuses[category].records_out and statuses[category].pending, category
    assert session.scalar(select(func.count()).select_from(ExchangeRefusal))
    batches = session.scalar(select(func.count()).select_from(ExchangeBatch))
    seed_exchange(session)
    assert session.scalar(select(func.count()).select_from(ExchangeBatch)) == batches
