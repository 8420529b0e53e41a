"""Dashboards: figures aggregated in SQL within the viewer's scope."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from engine.db import utcnow
from engine.workflow.models import HumanTask, ProcessInstance
from engine.dashboard import figures as dashboard
from engine.identity.local_users import actor_of
from engine.identity.models import LocalUser
from tests.web import ui_support as ui
from tests.web.conftest import login


def _stat(page: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">([^<]+)<', page).group(1)


def test_county_figures_cover_its_county_only(app: Flask) -> None:
    late = ui.walk_to(app, ui.start_case(app), "county_review")
    ui.set_due(app, late.id, utcnow() - timedelta(hours=1))
    ui.walk_to(app, ui.start_case(app, enterprise=ui.BAIYUN), "county_review")
    with ui.sessions(app)() as session:
        expected_open = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.region_code == "440106", HumanTask.status == "ready"))
        expected_overdue = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.region_code == "440106", HumanTask.status == "ready", HumanTask.due_at < utcnow()))
        cases = session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.region_code == "440106"))
    page = login(app, "county-440106").get("/dashboard/?process=").get_data(as_text=True)
    assert int(_stat(page, "open")) == expected_open
    assert int(_stat(page, "overdue")) == expected_overdue >= 1
    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S)
                      .group(1))
    assert len(data["per_day"]) == 30 and len(data["per_month"]) == 12
    assert sum(r["total"] for r in data["by_region"]) == cases
    assert [r["name"] for r in data["by_region"]] == ["广州市 · 天河区"]


def test_province_groups_by_city_and_counts_everything(app: Flask) -> None:
    ui.walk_to(app, ui.start_case(app), "county_review")
    page = login(app, "province").get("/dashboard/?process=").get_data(as_text=True)
    data = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', page, re.S).group(1))
    with ui.sessions(app)() as session:
        total = session.scalar(select(func.count()).select_from(ProcessInstance))
    assert sum(r["total"] for r in data["by_region"]) == total
    assert "广州市" in [r["name"] for r in data["by_region"]]
    assert sum(d[1] for d in data["per_day"]) >= 1


def test_closure_rate_and_mean_time_follow_completed_cases(app: Flask) -> None:
    case = ui.start_case(app, key_unit=False, anomaly_type="missing")
    ui.walk_to(app, case, "county_review")
    review = ui.ready_task(app, case)
    county = login(app, "county-440106")
    county.get(f"/tasks/{review.id}")
    county.post(f"/tasks/{review.id}/complete", {"decision": "accept"})
    with ui.sessions(app)() as session:
        user = session.scalars(select(LocalUser).where(LocalUser.username == "county-440106")).one()
        board = dashboard.dashboard(session, actor_of(user))
        closed = session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.region_code == "440106", ProcessInstance.status == "completed"))
    assert board.cases_closed == closed >= 1 and board.mean_hours is not None and board.mean_hours >= 0
    missing = next(g for g in board.by_kind if g.key == "missing")
    assert missing.closed >= 1 and 0 < missing.rate <= 100


def test_enterprises_go_to_their_portal(app: Flask) -> None:
    response = login(app, ui.TIANHE.credit_code).get("/dashboard/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/")
