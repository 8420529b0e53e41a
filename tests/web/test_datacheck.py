"""The matching and 数据监查 pages: scoped lists, a resolution posted with CSRF, a verification started."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from engine.actors import SYSTEM
from engine.exchange.datacheck.models import Finding, MatchLink
from engine.exchange.datacheck.rule_defaults import DEFAULTS
from engine.exchange.datacheck.run import run_month
from tests.engine.exchange.datacheck.records import Records, credit_code
from tests.web.conftest import login


def plant(app: Flask) -> int:
    with app.extensions["ecoloop.sessions"].begin() as session:
        records = Records(session)
        records.taxpayer(credit_code(300), name="未登记的纳税人")
        records.enterprise(credit_code(301), permit="")
        records.taxpayer(credit_code(301))
        records.source(credit_code(301), "S-PAGE-1", "DW001", method="coefficient")
        run_month(session, SYSTEM, "2026-07", today=date(2026, 10, 16), refresh_figures=False)
        return int(session.scalars(select(Finding.id).where(Finding.subject_key == "S-PAGE-1")).one())


def test_the_county_resolves_and_verifies_from_the_pages(app: Flask) -> None:
    finding_id = plant(app)
    county = login(app, "county-440106")
    page = county.get("/exchange/matching").get_data(as_text=True)
    assert "未登记的纳税人" in page and credit_code(300) in page
    assert "未登记的纳税人" not in login(app, "county-440111").get("/exchange/matching").get_data(as_text=True)
    without_token = county.client.post(f"/exchange/matching/taxpayer/{credit_code(300)}",
                                       data={"resolution": "not_regulated"})
    assert without_token.status_code == 400
    done = county.post(f"/exchange/matching/taxpayer/{credit_code(300)}", {"resolution": "not_regulated",
                                                                           "note": "个体户"})
    assert done.status_code == 302
    with app.extensions["ecoloop.sessions"].begin() as session:
        link = session.scalars(select(MatchLink).where(MatchLink.record_key == credit_code(300))).one()
        assert (link.resolution, link.resolved_by, link.note) == ("not_regulated", "county-440106", "个体户")
    assert "未登记的纳税人" not in county.get("/exchange/matching").get_data(as_text=True)

    findings = county.get("/exchange/findings?rule=source_without_permit").get_data(as_text=True)
    assert "税源无有效排污许可" in findings and credit_code(301) in findings
    started = county.post(f"/exchange/findings/{finding_id}/verification")
    assert started.status_code == 302 and "/instances/" in started.headers["Location"]
    assert "核实中" in county.get("/exchange/findings?status=verifying").get_data(as_text=True)
    assert login(app, "91440106MA59C8Q0XW").get("/exchange/findings").status_code == 403


def rules_form(**changes: str) -> dict[str, object]:
    form: dict[str, object] = {}
    for key, params in DEFAULTS.items():
        for name, value in params.items():
            if value is True:
                form[f"{key}.{name}"] = "on"
            elif value is not False:
                form[f"{key}.{name}"] = str(value)
    form.update(changes)
    return form


def test_administrators_edit_the_rules_on_their_page(app: Flask) -> None:
    admin = login(app, "admin")
    page = admin.get("/exchange/inspection-rules").get_data(as_text=True)
    assert "申报低于监测的幅度（%）" in page and "第二十条" in page
    refused = admin.post("/exchange/inspection-rules", rules_form(**{"declared_below_monitored.threshold_percent": "x"}))
    assert refused.status_code == 422 and "须为数字" in refused.get_data(as_text=True)
    saved = admin.post("/exchange/inspection-rules", rules_form(**{"declared_below_monitored.threshold_percent": "12.5",
                                                                    "note": "页面修改"}))
    assert saved.status_code == 302
    shown = admin.get("/exchange/inspection-rules").get_data(as_text=True)
    assert 'value="12.5"' in shown and "页面修改" in shown
    assert admin.post("/exchange/inspection-runs", {"month": "2026-08"}).status_code == 302
    county = login(app, "county-440106")
    assert county.get("/exchange/inspection-rules").status_code == 200
    assert county.post("/exchange/inspection-rules", rules_form()).status_code == 403
    assert county.post("/exchange/inspection-runs", {"month": "2026-08"}).status_code == 403
