"""Plans and draws: ratios, officer pairing and conflict rules, redraws, reveal."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.errors import Conflict, InvalidInput, NotAllowed
from engine.inspection import draws, plans
from engine.inspection.models import DrawAssignment, DrawStatus, OfficerLink, PlanStatus
from engine.inspection.verify import stored_assignments
from tests.engine.inspection.world import BAIYUN, ORGANISER, TIANHE, county_world, officer, plan_input, unit
from tests.support.actors import ADMIN


def _drawn(session: Session, plan_id: int, reason: str = "") -> int:
    draw = draws.commit(session, ORGANISER, plan_id, reason)
    return draws.run(session, ORGANISER, draw.id).id


def test_county_draw_meets_the_guangdong_ratios_and_pairs_two_officers_of_the_body(session: Session) -> None:
    objects, people, item = county_world(session)
    officer(session, BAIYUN)  # another body's officer: never drawn
    unit(session, BAIYUN, "special")  # another body's unit: never drawn
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    draw_id = _drawn(session, plan.id)
    rows = stored_assignments(session, draw_id)
    drawn = Counter(row.object_class for row in rows)
    # county: every special unit, ≥25 % of 20 key units, general 1:10 per year → 6 officers × 10 × 3/12 = 15
    assert drawn == {"special": 4, "key": 5, "general": 15}
    body_officers = {p.id for p in people}
    ids = {o.id for o in objects}
    assert all(row.object_id in ids for row in rows)
    assert all(len(set(row.officer_ids)) == 2 and set(row.officer_ids) <= body_officers for row in rows)
    load = Counter(officer_id for row in rows for officer_id in row.officer_ids)
    assert max(load.values()) - min(load.values()) <= 1
    assert all(Q4_START <= date.fromisoformat(row.planned_date) <= Q4_END for row in rows)
    assert session.get(type(plan), plan.id).status == PlanStatus.DRAWN


Q4_START, Q4_END = date(2026, 10, 1), date(2026, 12, 31)


def test_a_linked_officer_never_inspects_the_unit(session: Session) -> None:
    objects, people, item = county_world(session, special=6, key=0, general=0, officers=3)
    for obj in objects:  # the first officer is linked to every unit: only the other two may go
        session.add(OfficerLink(officer_id=people[0].id, enterprise_code=obj.enterprise_code, reason="曾任职",
                                created_by="admin"))
    session.flush()
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    rows = stored_assignments(session, _drawn(session, plan.id))
    assert len(rows) == 6
    assert all(people[0].id not in row.officer_ids for row in rows)


def test_the_same_officer_does_not_inspect_a_unit_twice_in_a_row(session: Session) -> None:
    _objects, _people, item = county_world(session, special=8, key=0, general=0, officers=4)
    first = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    before = {row.object_id: set(row.officer_ids) for row in stored_assignments(session, _drawn(session, first.id))}
    second = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,),
                                                         period=(date(2027, 1, 1), date(2027, 3, 31))))
    after = stored_assignments(session, _drawn(session, second.id))
    assert len(after) == 8
    assert all(not set(row.officer_ids) & before[row.object_id] for row in after)


def test_a_quota_below_the_rules_minimum_is_refused_naming_the_class(session: Session) -> None:
    _objects, _people, item = county_world(session)
    quotas = {"special": {"ratio": 1.0}, "key": {"count": 2}, "general": {"per_officer_per_year": 10}}
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,), quotas=quotas))
    with pytest.raises(InvalidInput) as refused:
        draws.commit(session, ORGANISER, plan.id)
    assert "quotas.key" in refused.value.fields


def test_only_the_organiser_draws_and_a_redraw_needs_its_reason_and_keeps_the_first(session: Session) -> None:
    _objects, _people, item = county_world(session)
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    with pytest.raises(NotAllowed):
        draws.commit(session, ADMIN, plan.id)
    first = _drawn(session, plan.id)
    with pytest.raises(InvalidInput):
        draws.commit(session, ORGANISER, plan.id)
    second = _drawn(session, plan.id, "一名执法人员病休")
    assert session.get(type(draws.current(session, plan.id)), first).status == DrawStatus.SUPERSEDED
    current = draws.current(session, plan.id)
    assert current is not None and current.id == second and current.redraw_of_id == first
    assert current.redraw_reason == "一名执法人员病休" and current.sequence == 2
    assert session.scalars(select(DrawAssignment).where(DrawAssignment.draw_id == first)).first() is not None
    commits = [e.payload for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action == "inspection.draw_commit")) if e.payload["plan"] == plan.id]
    assert [c["key"] for c in commits] == [first, second] and commits[1]["reason"] == "一名执法人员病休"


def test_the_seed_is_revealed_only_after_the_last_planned_date(session: Session) -> None:
    _objects, _people, item = county_world(session, special=3, key=0, general=0, officers=2)
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    draw_id = _drawn(session, plan.id)
    last = max(date.fromisoformat(row.planned_date) for row in stored_assignments(session, draw_id))
    with pytest.raises(Conflict):
        draws.reveal(session, ORGANISER, draw_id, last)
    draw = draws.reveal(session, ORGANISER, draw_id, last + timedelta(days=1))
    assert draw.status == DrawStatus.REVEALED and draw.revealed_by == ORGANISER.username
    with pytest.raises(Conflict):
        draws.commit(session, ORGANISER, plan.id, "想再抽一次")


def test_a_campaign_covers_its_own_target_list_counted_separately(session: Session) -> None:
    objects, _people, item = county_world(session, special=2, key=5, general=5, officers=4)
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,), kind="campaign"))
    targets = [objects[3].id, objects[7].id, objects[9].id]
    assert plans.add_targets(session, ORGANISER, plan.id, targets) == 3
    with pytest.raises(InvalidInput):
        plans.add_targets(session, ORGANISER, plan.id, [unit(session, BAIYUN).id])
    rows = stored_assignments(session, _drawn(session, plan.id))
    assert sorted(row.object_id for row in rows) == sorted(targets)
    assert {row.object_class for row in rows} == {"campaign"}


def test_a_plan_is_organised_by_a_reviewer_of_its_body(session: Session) -> None:
    _objects, _people, item = county_world(session, officers=2)
    baiyun = ORGANISER.__class__("organiser-baiyun", ORGANISER.roles, BAIYUN)
    with pytest.raises(NotAllowed):
        plans.create(session, baiyun, plan_input(TIANHE, item_ids=(item.id,)))
    with pytest.raises(InvalidInput) as refused:
        plans.create(session, ORGANISER, plan_input("440000", item_ids=(item.id,)))
    assert "body_region_code" in refused.value.fields


def test_the_nightly_reveal_publishes_only_draws_whose_inspections_are_past(session: Session) -> None:
    _objects, _people, item = county_world(session, special=3, key=0, general=0, officers=2)
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    draw_id = _drawn(session, plan.id)
    last = max(date.fromisoformat(row.planned_date) for row in stored_assignments(session, draw_id))
    assert draws.reveal_due(session, last) == []
    assert draws.reveal_due(session, last + timedelta(days=1)) == [draw_id]
    assert draws.current(session, plan.id).status == DrawStatus.REVEALED  # type: ignore[union-attr]


def test_the_quarterly_ratios_scale_with_the_plans_period(session: Session) -> None:
    _objects, _people, item = county_world(session)
    half_year = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,),
                                                            period=(date(2027, 1, 1), date(2027, 6, 30))))
    assert half_year.quotas == {"special": {"ratio": 1.0}, "key": {"ratio": 0.5},
                                "general": {"per_officer_per_year": 10}}
    rows = stored_assignments(session, _drawn(session, half_year.id))
    # county: 25 % of 20 key units per quarter → 10 in two quarters; general 6 officers × 10 × 6/12 = 30 → all 16
    assert Counter(row.object_class for row in rows) == {"special": 4, "key": 10, "general": 16}
