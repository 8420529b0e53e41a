"""``ecoloop registry import`` / ``export`` on a fresh SQLite database, as an operator would run them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.engine.register.samples import BAD_CHECK, CODE_A, enterprise_row, point_row, register_file
from web.cli import main


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECOLOOP_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    return run


def test_import_dry_run_writes_nothing_then_import_and_export_round_trip(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "register.xlsx"
    source.write_bytes(register_file(
        [enterprise_row(CODE_A, "天河热电有限公司", "440106", lists="2026:大气"),
         enterprise_row(BAD_CHECK, "坏代码公司", "440106")],
        [point_row("MN0001", CODE_A, "a21026|mg/m³|35")]))

    dry = cli("registry", "import", str(source), "--dry-run")
    assert dry.exit_code == 1
    assert "企业名录 第 3 行" in dry.output and "校验位错误" in dry.output
    assert "预览: 新增 2" in dry.output
    assert "新增 2" in cli("registry", "import", str(source), "--dry-run").output  # still nothing written

    done = cli("registry", "import", str(source))
    assert "已导入: 新增 2, 修改 0, 未变 0, 拒绝 1" in done.output

    exported = tmp_path / "export.csv"
    assert cli("registry", "export", "--kind", "enterprises", "--format", "gbk", "--output", str(exported)).exit_code == 0
    again = cli("registry", "import", str(exported))
    assert again.exit_code == 0 and "新增 0, 修改 0, 未变 1, 拒绝 0" in again.output


def test_csv_export_needs_a_kind(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("registry", "export", "--format", "csv")
    assert result.exit_code == 2 and "--kind" in result.output
