"""On-site inspection pages (the phone sheet with the camera input) and the public 一公开 results page."""

from __future__ import annotations

import io
import re

from flask import Flask

from engine.inspection.onsite.models import InspectionCase
from engine.inspection.onsite.process import local_date_today
from tests.engine.evidence.test_filestore import png
from tests.support.inspection import OFFICER_A, OFFICER_B, dispatched
from tests.web.conftest import Browser, login


def _dispatched(app: Flask, tag: str) -> int:
    with app.extensions["ecoloop.sessions"].begin() as session:
        return dispatched(session, tag=tag)


def _case(app: Flask, case_id: int) -> InspectionCase:
    with app.extensions["ecoloop.sessions"]() as session:
        case = session.get(InspectionCase, case_id)
        assert case is not None
        session.expunge(case)
        return case


SHEET = {"unit_status": "operating", "findings": "废气排放口标识缺失", "c-SJ-01-0": "ok", "c-SJ-01-1": "problem",
         "n-SJ-01-1": "标识缺失", "c-SJ-04-0": "ok"}


def test_the_officer_fills_the_sheet_with_a_photo(app: Flask) -> None:
    case_id = _dispatched(app, "页面")
    officer = login(app, OFFICER_A.username)
    listing = officer.get("/inspection/onsite/").get_data(as_text=True)
    assert "广州天河环保热电有限公司页面" in listing and f"/inspection/onsite/{case_id}" in listing
    sheet = officer.get(f"/inspection/onsite/{case_id}").get_data(as_text=True)
    assert re.search(r'type="file"[^>]*accept="image/\*"[^>]*capture="environment"', sheet)
    assert "持证排污" in sheet and "设施正常运行" in sheet
    refused = officer.post(f"/inspection/onsite/{case_id}", {**SHEET, "c-SJ-04-0": ""})
    assert refused.status_code == 422 and "请选择检查结果" in refused.get_data(as_text=True)
    done = officer.post(f"/inspection/onsite/{case_id}",
                        {**SHEET, "photo_files": (io.BytesIO(png()), "现场.png")}, content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)
    case = _case(app, case_id)
    assert case.status == "recorded" and len(case.photos) == 1 and case.problem_found
    second = login(app, OFFICER_B.username).get("/inspection/onsite/").get_data(as_text=True)
    assert "第二执法人员确认" in second


def test_the_sheet_is_hidden_from_others(app: Flask) -> None:
    case_id = _dispatched(app, "保密")
    for outsider in ("county-440111", "91440111MA5AXB2P14"):
        assert login(app, outsider).get(f"/inspection/onsite/{case_id}").status_code == 404
    anonymous = Browser(app.test_client()).get(f"/inspection/onsite/{case_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_public_results_page_needs_no_log_in(app: Flask) -> None:
    page = Browser(app.test_client()).get("/public/inspection/results/")
    assert page.status_code == 200 and 'id="published-results"' in page.get_data(as_text=True)
    bad = Browser(app.test_client()).get("/public/inspection/results/?conclusion=maybe")
    assert bad.status_code == 422 and "conclusion" in bad.get_data(as_text=True)


def test_the_organiser_dispatches_from_the_plan_and_the_dashboard_counts(app: Flask) -> None:
    from datetime import timedelta

    from tests.support.inspection import drawn_plan, officer_accounts

    with app.extensions["ecoloop.sessions"].begin() as session:
        officer_accounts(session)
        plan_id = drawn_plan(session, tag="派发页", planned=local_date_today() + timedelta(days=3)).plan.id
    outsider = login(app, "county-440111")
    outsider.get("/inspection/onsite/")
    assert outsider.post(f"/inspection/onsite/plans/{plan_id}/dispatch").status_code in (403, 404)
    organiser = login(app, "county-440106")
    organiser.get("/inspection/onsite/")
    assert organiser.post(f"/inspection/onsite/plans/{plan_id}/dispatch").status_code == 302
    board = organiser.get("/dashboard/").get_data(as_text=True)
    onsite = re.search(r'data-inspection="onsite">(\d+)<', board)
    assert 'id="inspection-card"' in board and onsite is not None and int(onsite.group(1)) >= 1
    other = login(app, "county-440111").get("/dashboard/").get_data(as_text=True)
    assert 'id="inspection-card"' not in other, "another county sees none of these inspections"
