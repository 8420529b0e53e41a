"""Monitoring at the edges: the admin rules page over HTTP, and the import-csv and rates commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import create_engine, select, text

from engine.demo.accounts import DEMO_ENTERPRISES
from engine.audit.models import AuditEvent
from engine.monitoring.models import MonitoringPoint
from engine.monitoring import rules
from engine.monitoring.synthetic import demo_mn
from tests.web.conftest import login
from web.cli import main

TIANHE_AIR = demo_mn(DEMO_ENTERPRISES[0].region_code, 0, 1)


def test_admin_edits_a_rule_and_bad_input_names_the_field(app: Flask) -> None:
    admin = login(app, "admin")
    page = admin.get("/admin/rules/").get_data(as_text=True)
    assert 'id="rule-constant"' in page and "零值" in page
    bad = admin.post("/admin/rules/zero", {"enabled": "on", "count": "0"})
    assert bad.status_code == 422 and "1 至 1000" in bad.get_data(as_text=True)
    good = admin.post("/admin/rules/zero", {"enabled": "on", "count": "4"})
    assert good.status_code == 302
    with app.extensions["ecoloop.sessions"]() as session:
        assert rules.load_book(session).rule("zero")["count"] == 4
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.rule_change")
                                .order_by(AuditEvent.seq.desc())).first()
        assert event.actor == "admin" and event.payload["after"]["count"] == 4


def test_admin_edits_a_factor_limit(app: Flask) -> None:
    admin = login(app, "admin")
    page = admin.get(f"/admin/rules/points?mn={TIANHE_AIR}").get_data(as_text=True)
    assert "二氧化硫" in page
    with app.extensions["ecoloop.sessions"]() as session:
        point = session.scalars(select(MonitoringPoint).where(MonitoringPoint.mn == TIANHE_AIR)).one()
        factor_id = session.execute(text("SELECT id FROM point_factors WHERE point_id = :p AND code = 'a21026'"),
                                    {"p": point.id}).scalar_one()
    url = f"/admin/rules/points/{TIANHE_AIR}/factors/{factor_id}"
    bad = admin.post(url, {"upper_limit": "abc", "rule_params": "{}"})
    assert bad.status_code == 422 and "upper_limit" in bad.get_data(as_text=True)
    bad_json = admin.post(url, {"upper_limit": "30", "rule_params": '{"zero": {"count": -1}}'})
    assert bad_json.status_code == 422 and "rule_params.zero.count" in bad_json.get_data(as_text=True)
    assert admin.post(url, {"upper_limit": "30", "range_upper": "200", "rule_params": ""}).status_code == 302
    assert 'value="30.0"' in admin.get(f"/admin/rules/points?mn={TIANHE_AIR}").get_data(as_text=True)


def test_rules_pages_are_for_admins_only(app: Flask) -> None:
    county = login(app, "county-440106")
    assert county.get("/admin/rules/").status_code == 403
    assert county.post("/admin/rules/zero", {"enabled": "on", "count": "9"}).status_code == 403
    assert county.get(f"/admin/rules/points?mn={TIANHE_AIR}").status_code == 403


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECOLOOP_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    assert run("demo").exit_code == 0
    run.db_url = f"sqlite:///{tmp_path / 'instance' / 'ecoloop.db'}"  # type: ignore[attr-defined]
    return run


def test_import_csv_back_fills_and_reports_bad_rows(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "backfill.csv"
    source.write_text(
        "mn,cn,data_time,factor,avg,flag\n"
        f"{TIANHE_AIR},2061,2026-10-01 08:00,a21026,20.5,N\n"
        f"{TIANHE_AIR},2061,2026-10-01 08:00,a34013,3.1,N\n"
        f"{TIANHE_AIR},2061,2026-10-01 09:00,a21026,80,N\n"
        f"{TIANHE_AIR},2061,2026-10-01 10:00,a21026,many,N\n"
        "UNKNOWNMN,2061,20261001080000,a21026,1,N\n", encoding="utf-8")
    result = cli("import-csv", str(source))
    assert result.exit_code == 1
    assert "backfill.csv:5: avg 'many' is not a number" in result.output
    assert "UNKNOWNMN" in result.output and "unknown_mn" in result.output
    assert "3 records: refused 1, stored 2" in result.output
    engine = create_engine(cli.db_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM measurements m JOIN monitoring_points p ON "
                                         "p.id = m.point_id WHERE p.mn = :mn AND m.data_time < '2026-11-01'"),
                                    {"mn": TIANHE_AIR}).scalar_one()
        cases = connection.execute(text("SELECT count(*) FROM anomaly_cases WHERE period_start < '2026-11-01' "
                                        "AND anomaly_type = 'exceedance'")
                                   ).scalar_one()
        imports = connection.execute(text("SELECT count(*) FROM audit_events WHERE action = 'monitoring.import'")
                                     ).scalar_one()
    engine.dispose()
    assert (stored, cases, imports) == (2, 1, 1)  # the 80 mg/m³ hour opened its task
    again = cli("import-csv", str(source))
    assert "3 records: duplicate 2, refused 1" in again.output


def test_rates_command_prints_enterprises_and_cities(cli) -> None:  # type: ignore[no-untyped-def]
    month = __import__("datetime").date.today().strftime("%Y-%m")
    enterprises = cli("monitoring", "rates", "--month", month)
    assert enterprises.exit_code == 0 and DEMO_ENTERPRISES[0].credit_code in enterprises.output
    cities = cli("monitoring", "rates", "--month", month, "--level", "city")
    assert cities.exit_code == 0 and "440100" in cities.output
    assert cli("monitoring", "rates", "--month", "2026-13").exit_code != 0
