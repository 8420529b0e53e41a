"""The demo's tax-side data: batches through the real intake, unmatched records, findings of several rules."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.demo.bootstrap import seed
from engine.demo.datacheck import seed_datacheck
from engine.exchange.datacheck import matching
from engine.exchange.datacheck.models import Finding, FindingStatus
from engine.exchange.models import ExchangeBatch
from tests.support.actors import ADMIN


def test_the_demo_shows_matching_work_findings_and_a_verification(session: Session) -> None:
    seed(session)
    seed_datacheck(session)
    seed_datacheck(session)  # idempotent
    batches = session.scalars(select(ExchangeBatch).where(ExchangeBatch.batch_no.startswith("DEMO-"))).all()
    assert sorted(b.category for b in batches) == ["tax_returns", "tax_sources", "taxpayers"]
    assert all(b.refused == 0 for b in batches), [b.answer for b in batches if b.refused]
    waiting = matching.unmatched(session, ADMIN)
    assert Counter(u.kind for u in waiting.items) == {"taxpayer": 2, "tax_source": 1}
    rules = Counter(f.rule for f in session.scalars(select(Finding)))
    assert {"outlets_without_source", "source_without_permit", "exceedance_without_penalty"} <= set(rules)
    assert session.scalars(select(Finding.status).where(Finding.status == FindingStatus.VERIFYING)).all() == [
        "verifying"]
