"""The demo's credit rounds: 2023 published with breakdowns and a county adjustment, 2026 under public notice."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.credit import results
from engine.credit.models import CreditRating, CreditRound, CreditScore
from engine.demo.accounts import DEMO_ENTERPRISES
from engine.demo.bootstrap import seed
from engine.demo.credit import seed_credit_rounds
from engine.evidence.filestore import LocalFileStore
from tests.support.actors import ADMIN


def test_a_published_round_and_one_under_notice(session: Session, tmp_path: Path) -> None:
    seed(session)
    seed_credit_rounds(session, LocalFileStore(tmp_path / "evidence"))
    seed_credit_rounds(session, LocalFileStore(tmp_path / "evidence"))  # idempotent
    by_year = {r.year: r for r in session.scalars(select(CreditRound))}
    assert {y: r.status for y, r in by_year.items()} == {2023: "published", 2026: "notice"}
    assert session.scalars(select(CreditScore.review_status).where(
        CreditScore.round_id == by_year[2023].id, CreditScore.review_status == "adjusted")).all() == ["adjusted"]
    published = session.scalars(select(CreditRating).where(CreditRating.year == 2023)).all()
    assert published and {r.status for r in published} == {"published"}
    shown = results.own_results(session, ADMIN, DEMO_ENTERPRISES[1].credit_code)
    assert [r.year for r in shown] == [2026, 2023]
    law = next(row for row in shown[1].rows if row.indicator == "law_compliance")
    assert law.points == 0 and [f.reference for f in law.facts] == ["粤环罚〔2023〕57号"]
