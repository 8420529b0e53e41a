"""Scoring against hand-computed examples: count, rate, presence, zero (penalty), veto, downgrade, scope."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.credit import rules, scoring
from engine.credit.models import CreditRound, CreditScore, RoundFact
from engine.monitoring.models import Enterprise, ListMembership
from tests.engine.credit.credit_world import E1, E2, E3, E4, E5, rules_for_tests, world
from tests.support.actors import ADMIN

NOW = datetime(2026, 1, 10, tzinfo=timezone.utc)


@pytest.fixture
def scored(session: Session) -> CreditRound:
    world(session)
    rule_set = rules.change(session, ADMIN, 2025, rules_for_tests())
    credit_round = CreditRound(year=2025, rule_set_id=rule_set.id, opened_by="admin")
    session.add(credit_round)
    session.flush()
    scoring.compute(session, credit_round, rule_set.rules, now=NOW)
    return credit_round


def scores(session: Session, credit_round: CreditRound) -> dict[str, tuple[float, int, int, int]]:
    session.expire_all()
    return {s.enterprise_code: (s.score, s.score_level, s.proposed_level, s.vetoed)
            for s in session.scalars(select(CreditScore).where(CreditScore.round_id == credit_round.id))}


def test_hand_computed_scores_and_levels(session: Session, scored: CreditRound) -> None:
    # E1: complaints 100, rate missing 100 → group a 100×0.6 = 60; plan expired 0, law 100 → 50×0.4 = 20: 80 → good
    # E2: 2 complaints 70, rate 100 → 85×0.6 = 51; plan 100, law 100 → 40: 91 → trustworthy, incident → down one
    # E3: 3 complaints 30, rate 100 → 39; plan 100, penalty zeroes law → 20: 59 → poor
    # E4: 60 + 40 = 100 → trustworthy, but a major incident vetoes to poor; E5 is out of scope
    assert scores(session, scored) == {
        E1: (80.0, 2, 2, 0), E2: (91.0, 1, 2, 0), E3: (59.0, 4, 4, 0), E4: (100.0, 1, 4, 1)}
    assert scored.enterprises == 4


def test_the_rate_rule_fails_below_the_pass_line(session: Session, scored: CreditRound) -> None:
    # E1 had 0.95 and 0.85 in two months: the lowest month is below 0.9 → 40 points: a = (100+40)/2×0.6 = 42; +20 = 62
    for month, value in ((1, 0.95), (2, 0.85)):
        session.add(RoundFact(round_id=scored.id, enterprise_code=E1, kind="effective_rate", value=value,
                              occurred_at=datetime(2025, month, 1, tzinfo=timezone.utc), reference=f"2025-0{month}",
                              source="自动监测传输有效率统计"))
    session.flush()
    scoring.rescore(session, scored, rules_for_tests())
    assert scores(session, scored)[E1] == (62.0, 3, 3, 0)


def test_the_breakdown_shows_indicator_facts_points(session: Session, scored: CreditRound) -> None:
    rows = {r.indicator: r for r in scoring.breakdown(session, scored.id, E3, rules_for_tests())}
    assert (rows["law"].points, rows["law"].zeroed) == (0.0, 1)
    assert [f.reference for f in rows["law"].facts] == ["粤环罚〔2025〕12号"]
    assert (rows["complaints"].fact_count, rows["complaints"].points, rows["complaints"].weighted) == (3, 30.0, 9.0)
    assert rows["plan"].facts[0].kind == "plan_current"
    assert E5 not in scores(session, scored)


def test_scope_follows_the_register(session: Session) -> None:
    """Out: stopped over six months before the year's end; with key_units_only, only key units or list members."""
    world(session)
    rules_set = rules_for_tests()
    by_code = {e.credit_code: e for e in session.scalars(select(Enterprise))}
    by_code[E1].status, by_code[E1].status_since = "stopped", date(2025, 3, 1)  # over six months: out
    by_code[E2].status, by_code[E2].status_since = "stopped", date(2025, 10, 1)  # three months: still rated
    session.flush()
    rated = {row[0] for row in session.execute(scoring.rated_enterprises(rules_set["scope"], 2025))}
    assert rated == {E2, E3, E4}
    by_code[E3].key_unit = True
    session.add(ListMembership(enterprise_id=by_code[E4].id, year=2025, medium="water"))
    session.flush()
    keys = {**rules_set["scope"], "key_units_only": True}
    assert {r[0] for r in session.execute(scoring.rated_enterprises(keys, 2025))} == {E3, E4}
    water = {**rules_set["scope"], "lists": ["water"]}
    assert {r[0] for r in session.execute(scoring.rated_enterprises(water, 2025))} == {E4}
    assert {r[0] for r in session.execute(scoring.rated_enterprises(water, 2024))} == set()
