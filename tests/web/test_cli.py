"""The ``ecoloop`` command on a fresh SQLite database, as an operator would run it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from engine.workflow.bundle import BUNDLED_DIR
from web.cli import main


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECOLOOP_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    run.db_url = f"sqlite:///{tmp_path / 'instance' / 'ecoloop.db'}"  # type: ignore[attr-defined]
    return run


def test_deploy_and_list(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("process", "deploy", str(BUNDLED_DIR / "anomaly_closure.bpmn"))
    assert result.exit_code == 0, result.output
    assert "anomaly_closure version 1 is active" in result.output
    again = cli("process", "deploy", str(BUNDLED_DIR / "anomaly_closure.bpmn"))
    assert "version 1 is active" in again.output
    assert "* anomaly_closure" in cli("process", "list").output


def test_deploy_refuses_an_unsafe_model_naming_the_element(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = (BUNDLED_DIR / "anomaly_closure.bpmn").read_text(encoding="utf-8")
    bad = tmp_path / "anomaly_closure.bpmn"
    (tmp_path / "forms").symlink_to(BUNDLED_DIR / "forms")
    bad.write_text(source.replace("urge_count = urge_count + 1", "x = __import__('os').system('id')"), encoding="utf-8")
    result = cli("process", "deploy", str(bad))
    assert result.exit_code == 2
    assert "mark_urged" in result.output and "__import__" in result.output
    assert "anomaly_closure" not in cli("process", "list").output


def test_audit_verify_names_the_first_tampered_event(cli) -> None:  # type: ignore[no-untyped-def]
    cli("process", "deploy", str(BUNDLED_DIR / "anomaly_closure.bpmn"))
    cli("users", "create", "break-glass", "--role", "admin", "--region", "440000", input="s3cret-pw\ns3cret-pw\n")
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "intact: 2 events" in ok.output
    engine = create_engine(cli.db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 1"))
    broken = cli("audit", "verify")
    assert broken.exit_code == 1
    assert "broken at event 1" in broken.output and "edited" in broken.output
    engine.dispose()


def test_users_create_names_the_bad_field(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "create", "x1", "--role", "county_reviewer", "--region", "110101", input="abcd\nabcd\n")
    assert result.exit_code == 2
    assert "region_code" in result.output and "110101" in result.output


def test_instances_check_reports_agreement_and_mismatch(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo").exit_code == 0
    ok = cli("instances", "check")
    assert ok.exit_code == 0 and "agrees" in ok.output
    engine = create_engine(cli.db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE human_tasks SET status = 'cancelled' WHERE id = "
                                "(SELECT id FROM human_tasks WHERE status = 'ready' ORDER BY id LIMIT 1)"))
    broken = cli("instances", "check")
    assert broken.exit_code == 1 and "only in workflow" in broken.output
    engine.dispose()
