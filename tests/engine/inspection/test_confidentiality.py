"""The drawn list before the inspection date: the organiser and each officer for his own units only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit.models import AuditEvent
from engine.errors import NotFound
from engine.inspection import assignments, draws, plans
from engine.inspection.models import DrawAssignment
from tests.engine.inspection.world import BAIYUN, ORGANISER, TIANHE, county_world, officer, plan_input
from tests.support.actors import ADMIN

BEFORE = date(2026, 9, 30)


def _world(session: Session) -> tuple[int, DrawAssignment, list[Actor]]:
    objects, people, item = county_world(session, special=6, key=0, general=0, officers=4)
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    draw = draws.run(session, ORGANISER, draws.commit(session, ORGANISER, plan.id).id)
    first = session.scalars(select(DrawAssignment).where(DrawAssignment.draw_id == draw.id)
                            .order_by(DrawAssignment.position)).first()
    assert first is not None
    officer_actors = [Actor(p.username or "", frozenset({Role.COUNTY_REVIEWER}), TIANHE) for p in people]
    return draw.id, first, officer_actors


def _reads(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "inspection.assignment_read")) or 0


def test_before_the_date_only_the_organiser_and_the_units_officers_read_an_assignment(session: Session) -> None:
    _draw_id, first, officer_actors = _world(session)
    own = {first.officer1_id, first.officer2_id}
    at_start = _reads(session)
    assert assignments.assignment_for(session, ORGANISER, first.id, BEFORE).assignment.id == first.id
    mine = [a for a in officer_actors if assignments.officer_for(session, a.username).id in own]  # type: ignore[union-attr]
    others = [a for a in officer_actors if a not in mine]
    assert len(mine) == 2 and others
    for actor in mine:
        assert assignments.assignment_for(session, actor, first.id, BEFORE).object.id == first.object_id
    reads = _reads(session)
    for actor in others:
        with pytest.raises(NotFound):
            assignments.assignment_for(session, actor, first.id, BEFORE)
    assert _reads(session) == reads == at_start + 3  # each read audited; a refusal shows nothing


def test_the_enterprise_another_units_officer_and_an_administrator_learn_nothing_in_advance(
        session: Session) -> None:
    draw_id, first, _officers = _world(session)
    enterprise_code = assignments.assignment_for(session, ORGANISER, first.id, BEFORE).object.enterprise_code
    enterprise = Actor("ent", frozenset({Role.ENTERPRISE}), TIANHE, enterprise_code)
    baiyun_person = officer(session, BAIYUN, username="officer-baiyun")
    baiyun = Actor(baiyun_person.username or "", frozenset({Role.COUNTY_REVIEWER}), BAIYUN)
    for actor in (enterprise, baiyun, ADMIN):
        with pytest.raises(NotFound):
            assignments.assignment_for(session, actor, first.id, BEFORE)
    assert assignments.assignments_for_officer(session, baiyun) == []
    with pytest.raises(NotFound):
        assignments.draw_list(session, enterprise, draw_id, BEFORE)
    assert assignments.draw_list(session, baiyun, draw_id, BEFORE) == []
    # from the planned date on, the enterprise sees its own assignment
    assert assignments.assignment_for(session, enterprise, first.id, first.planned_date).object.enterprise_code \
        == enterprise_code


def test_an_officer_lists_exactly_his_own_units_and_the_organiser_all(session: Session) -> None:
    draw_id, _first, officer_actors = _world(session)
    rows = session.scalars(select(DrawAssignment).where(DrawAssignment.draw_id == draw_id)).all()
    for actor in officer_actors:
        me = assignments.officer_for(session, actor.username)
        assert me is not None
        expected = {r.id for r in rows if me.id in (r.officer1_id, r.officer2_id)}
        assert {v.assignment.id for v in assignments.assignments_for_officer(session, actor)} == expected
        assert {v.assignment.id for v in assignments.draw_list(session, actor, draw_id, BEFORE)} == expected
    assert len(assignments.draw_list(session, ORGANISER, draw_id, BEFORE)) == len(rows) == 6
