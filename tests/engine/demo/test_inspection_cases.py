"""The demo shows 双随机 inspections in every state on top of the demo plans, and published results."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.demo.bootstrap import seed
from engine.demo.inspection_cases import STORIES, seed_inspection_cases
from engine.inspection.onsite.models import InspectionCase
from engine.inspection.onsite.publication import ResultQuery, published_results


@pytest.mark.usefixtures("deployed")
def test_demo_inspections(session: Session) -> None:
    seed(session)
    seed_inspection_cases(session)
    seed_inspection_cases(session)  # idempotent
    cases = session.scalars(select(InspectionCase).order_by(InspectionCase.id)).all()
    past = [c for c in cases if c.plan_id == cases[0].plan_id]
    states = Counter(c.status for c in past[:len(STORIES)])
    assert states == {"closed": 5, "following_up": 2, "reviewed": 2, "inspected": 1, "recorded": 1}
    assert {c.conclusion for c in past if c.conclusion} == {"no_problem", "not_inspectable", "refer", "correct"}
    assert all(c.status == "dispatched" for c in cases if c.plan_id != past[0].plan_id)
    assert published_results(session, ResultQuery()).total == 7
