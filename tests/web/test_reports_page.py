"""The reports page: generate over one's scope, progress in the history, download, scope and bad input."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from io import BytesIO

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from engine.support.models import SupportTicket
from engine.reports.period import Period
from tests.web.conftest import login

CHINA = timezone(timedelta(hours=8))


def _wait_done(browser, run_id: int, timeout: float = 30.0) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = browser.get("/reports/", headers={"HX-Request": "true"}).get_data(as_text=True)
        if f'data-run="{run_id}" data-status="done"' in page:
            return page
        assert f'data-run="{run_id}" data-status="failed"' not in page
        time.sleep(0.2)
    raise AssertionError("the report was not generated in time")


def _latest_run_id(page: str) -> int:
    return int(page.split('data-run="', 1)[1].split('"', 1)[0])


def test_city_reviewer_generates_and_downloads_the_support_table(app: Flask) -> None:
    browser = login(app, "city-440100")
    assert "生成报表" in browser.get("/reports/").get_data(as_text=True)
    period = Period.parse(datetime.now(CHINA).strftime("%Y-%m"))
    response = browser.post("/reports/", {"kind": "support_table", "period": str(period)})
    assert response.status_code == 302
    run_id = _latest_run_id(browser.get("/reports/").get_data(as_text=True))
    _wait_done(browser, run_id)
    download = browser.client.get(f"/reports/{run_id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(download.data))["技术支持表"]
    numbers = [sheet.cell(r, 1).value for r in range(3, sheet.max_row + 1)]
    with app.extensions["ecoloop.sessions"]() as session:
        expected = list(session.scalars(select(SupportTicket.ticket_no).where(
            SupportTicket.opened_at >= period.start, SupportTicket.opened_at < period.end,
            SupportTicket.region_code.startswith("4401")).order_by(SupportTicket.opened_at, SupportTicket.id)))
    assert expected and [n for n in numbers if n != "合计"] == expected  # the demo's tickets of this month
    # a county reviewer of the city neither lists nor downloads the city's report
    county = login(app, "county-440106")
    assert f'data-run="{run_id}"' not in county.get("/reports/").get_data(as_text=True)
    assert county.client.get(f"/reports/{run_id}/download").status_code == 404


def test_bad_period_is_refused_with_the_field_named(app: Flask) -> None:
    browser = login(app, "city-440100")
    browser.get("/reports/")
    response = browser.post("/reports/", {"kind": "monthly", "period": "2026-13"})
    assert response.status_code == 422
    assert "报告期应为" in response.get_data(as_text=True) or "月份" in response.get_data(as_text=True)
    assert browser.post("/reports/", {"kind": "nope", "period": "2026-10"}).status_code == 422
