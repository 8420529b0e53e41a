"""``ecoloop reports generate`` and ``list`` on a fresh SQLite database with the report test data."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from engine.db import make_engine
from tests.engine.reports import data
from web.cli import main


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECOLOOP_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'ecoloop.db'}")
    with Session(engine) as session, session.begin():
        data.build(session)
    engine.dispose()
    return run


def test_generate_a_city_ledger_to_a_file_and_list_it(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    output = tmp_path / "ledger.xlsx"
    result = cli("reports", "generate", "supervision_ledger", "--period", "2026-10", "--region", "440100",
                 "--industry", data.INCINERATION, "--output", str(output))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("run 1: 督办台账_440100_2026-10.xlsx sha256=")
    sheet = load_workbook(output)["督办台账"]
    assert [sheet.cell(r, 3).value for r in (3, 4)] == ["天河焚烧发电厂", "白云焚烧发电厂"]
    assert sheet.cell(5, 1).value == "合计"
    listed = cli("reports", "list").output.splitlines()
    assert listed[0].split("\t")[:5] == ["1", "supervision_ledger", "2026-10", "440100", "done"]


def test_bad_period_exits_with_the_field_named(cli) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["reports", "generate", "monthly", "--period", "10/2026"])
    assert result.exit_code == 2 and "period" in result.stderr
