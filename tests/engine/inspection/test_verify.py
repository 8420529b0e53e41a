"""verify-draw: the stored draw is reproduced bit for bit; a tampered input, seed, hash or result is caught."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.inspection import algorithm, draws, plans
from engine.inspection.models import Draw, DrawAssignment
from engine.inspection.verify import stored_assignments, verify
from tests.engine.inspection.world import ORGANISER, county_world, plan_input


def _draw(session: Session) -> Draw:
    _objects, _people, item = county_world(session)
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    committed = draws.commit(session, ORGANISER, plan.id)
    return draws.run(session, ORGANISER, committed.id)


def _failed(session: Session, draw_id: int) -> set[str]:
    session.expire_all()
    return {check.name for check in verify(session, draw_id, public=False).checks if not check.ok}


def test_a_draw_is_reproduced_bit_for_bit_from_its_inputs_and_seed(session: Session) -> None:
    draw = _draw(session)
    result = verify(session, draw.id, public=False)
    assert result.ok, result.checks
    assert result.recomputed_hash == draw.result_hash
    assert [c.name for c in result.checks] == ["seed", "inputs", "audit", "result"]


def test_the_algorithm_is_a_function_of_inputs_and_seed(session: Session) -> None:
    draw = _draw(session)
    again = algorithm.run(copy.deepcopy(draw.inputs), draw.seed)
    assert again == stored_assignments(session, draw.id)
    other = algorithm.run(draw.inputs, "0" * 64)
    assert other != again  # another seed draws otherwise


def test_a_tampered_input_is_detected(session: Session) -> None:
    draw = _draw(session)
    inputs = copy.deepcopy(draw.inputs)
    inputs["officers"] = inputs["officers"][:-1]
    session.execute(update(Draw).where(Draw.id == draw.id).values(inputs=inputs))
    assert "inputs" in _failed(session, draw.id)


def test_a_tampered_seed_is_detected(session: Session) -> None:
    draw = _draw(session)
    session.execute(update(Draw).where(Draw.id == draw.id).values(seed="f" * 64))
    assert {"seed", "result"} <= _failed(session, draw.id)


def test_rewriting_inputs_and_their_hash_together_is_caught_by_the_audit_trail(session: Session) -> None:
    draw = _draw(session)
    inputs = copy.deepcopy(draw.inputs)
    inputs["quotas"]["key"] = 1
    session.execute(update(Draw).where(Draw.id == draw.id).values(
        inputs=inputs, inputs_hash=algorithm.sha256_hex(algorithm.canonical(inputs))))
    assert {"audit", "result"} <= _failed(session, draw.id)


def test_a_changed_assignment_is_detected(session: Session) -> None:
    draw = _draw(session)
    first = stored_assignments(session, draw.id)[0]
    session.execute(update(DrawAssignment).where(DrawAssignment.draw_id == draw.id, DrawAssignment.position == 0)
                    .values(officer1_id=first.officer_ids[1], officer2_id=first.officer_ids[0]))
    assert _failed(session, draw.id) == {"result"}


def test_the_public_verifies_only_revealed_draws(session: Session) -> None:
    draw = _draw(session)
    with pytest.raises(NotFound):
        verify(session, draw.id, public=True)
    draws.reveal(session, ORGANISER, draw.id, date(2027, 1, 1))
    assert verify(session, draw.id, public=True).ok


def test_the_prefix_ranker_hashes_exactly_as_the_specified_rank() -> None:
    seed = "5e" * 32
    for prefix in (("object", "key"), ("officer", 42), ("date",)):
        key = algorithm.ranker(seed, *prefix)
        assert [key(n) for n in range(200)] == [algorithm.rank(seed, *prefix, n) for n in range(200)]
