"""``ecoloop inspection verify-draw`` on a fresh SQLite database: a verified draw, then tampered ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.db import make_engine
from engine.inspection import draws, plans
from engine.inspection.models import Draw
from tests.engine.inspection.world import ORGANISER, county_world, plan_input
from web.cli import main

Run = Callable[..., Result]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Run, Session, int]:
    monkeypatch.setenv("ECOLOOP_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'ecoloop.db'}")
    session = Session(engine, expire_on_commit=False)
    _objects, _people, item = county_world(session)
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    draw = draws.run(session, ORGANISER, draws.commit(session, ORGANISER, plan.id).id)
    session.commit()
    return run, session, draw.id


def test_verify_draw_reproduces_the_stored_draw(cli: tuple[Run, Session, int]) -> None:
    run, _session, draw_id = cli
    result = run("inspection", "verify-draw", str(draw_id))
    assert result.exit_code == 0, result.output
    assert result.output.count("OK ") == 4 and f"draw {draw_id}: verified" in result.output


def test_verify_draw_detects_a_tampered_stored_seed(cli: tuple[Run, Session, int]) -> None:
    run, session, draw_id = cli
    session.execute(update(Draw).where(Draw.id == draw_id).values(seed="0" * 64))
    session.commit()
    result = run("inspection", "verify-draw", str(draw_id))
    assert result.exit_code == 1
    assert "BAD seed" in result.output and "NOT VERIFIED" in result.output


def test_verify_draw_checks_a_published_inputs_file(cli: tuple[Run, Session, int], tmp_path: Path) -> None:
    run, session, draw_id = cli
    draw = session.get(Draw, draw_id)
    assert draw is not None
    session.commit()  # end the read: the command opens its own transaction
    published = tmp_path / "inputs.json"
    published.write_text(json.dumps(draw.inputs, ensure_ascii=False), "utf-8")
    assert run("inspection", "verify-draw", str(draw_id), "--inputs", str(published)).exit_code == 0
    tampered = dict(draw.inputs, officers=draw.inputs["officers"][1:])
    published.write_text(json.dumps(tampered), "utf-8")
    result = run("inspection", "verify-draw", str(draw_id), "--inputs", str(published))
    assert result.exit_code == 1 and "BAD inputs" in result.output


def test_an_unknown_draw_exits_2_naming_it(cli: tuple[Run, Session, int]) -> None:
    run, _session, _draw_id = cli
    result = CliRunner().invoke(main, ["inspection", "verify-draw", "9999"])
    assert result.exit_code == 2 and "9999" in result.stderr
