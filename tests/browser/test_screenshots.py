"""The main pages render in Chromium without script errors, at 1366×768 and (the portal) on a phone.

Set ``ECOLOOP_UPDATE_SCREENSHOTS=1`` to copy the screenshots into ``docs/screenshots/`` for the README.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.actors import Actor, Role
from engine.demo.history import seed_history
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.tasks import actions as tasks
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, open_tab, serve
from tests.browser.test_closed_loop import ENTERPRISE

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo with a year of worked cases; rendering does not depend on the backend, so SQLite only."""
    with serve("sqlite", tmp_path_factory.mktemp("screens")) as live:
        with live.sessions().begin() as session:
            seed_history(session, cases=48)
        yield live


def _first(live: LiveServer, query: Any) -> Any:
    with live.sessions()() as session:
        return session.scalars(query.limit(1)).first()


def _measured_case_at_county(live: LiveServer) -> HumanTask:
    """A monitoring case with stored measurements, explained by its enterprise, now at the county's review."""
    explain = _first(live, select(HumanTask).where(
        HumanTask.spec_name == "explain", HumanTask.status == TaskStatus.READY, HumanTask.region_code == "440106",
        HumanTask.kind == "exceedance", HumanTask.point.like("4401060%")).order_by(HumanTask.created_at))
    worker = Actor("worker", frozenset({Role.ENTERPRISE}), explain.region_code, explain.enterprise_code)
    with live.sessions().begin() as session:
        tasks.complete(session, worker, explain.id, {
            "reason": "abnormal_operation", "description": "11月25日锅炉启炉阶段除尘器未完全投运，颗粒物短时升高，已恢复正常。",
            "measures": "修订启炉操作规程，启炉前先投运除尘器。"})
    return _first(live, select(HumanTask).where(HumanTask.instance_id == explain.instance_id,
                                                HumanTask.status == TaskStatus.READY))


def shoot(chromium: Any, live: LiveServer, user: str, path: str, name: str, ready: str, out: Path,
          viewport: dict[str, int] = DESKTOP, full_page: bool = False) -> Path:
    tab = open_tab(chromium, live, viewport)
    try:
        tab.login(user)
        tab.go(path)
        tab.page.wait_for_selector(ready, state="attached")
        tab.page.wait_for_timeout(300)  # let charts finish their first layout
        target = out / f"{name}.png"
        tab.page.screenshot(path=str(target), full_page=full_page)
        assert tab.errors == [], f"{path}: {tab.errors}"
        return target
    finally:
        tab.page.context.close()


def test_main_pages_render_cleanly(chromium: Any, history: LiveServer, tmp_path: Path) -> None:
    live = history
    review = _measured_case_at_county(live)
    closed = _first(live, select(ProcessInstance).where(ProcessInstance.status == "completed",
                                                        ProcessInstance.region_code == "440106")
                    .order_by(ProcessInstance.id.desc()))
    active_model = 1
    pages = [
        ("province", "/dashboard/", "01-dashboard", "#chart-per-month[data-rendered=true]", DESKTOP),
        ("county-440106", "/tasks/", "02-task-list", "#task-table", DESKTOP),
        ("county-440106", f"/tasks/{review.id}", "03-task-review", "#task-form", DESKTOP),
        ("county-440106", f"/instances/{closed.id}", "04-instance", "#diagram[data-rendered=true]", DESKTOP),
        (ENTERPRISE.credit_code, "/portal/", "05-portal", "#submissions", DESKTOP),
        (ENTERPRISE.credit_code, "/portal/", "06-portal-phone", "#submissions", PHONE),
        ("admin", f"/admin/processes/models/{active_model}/edit", "07-model-editor", "#modeler[data-rendered=true]",
         DESKTOP),
        ("county-440106", "/notifications/", "08-notifications", "#notifications", DESKTOP),
    ]
    shots = [shoot(chromium, live, user, path, name, ready, tmp_path, viewport)
             for user, path, name, ready, viewport in pages]
    for shot in shots:
        assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 10_000, shot.name
    if os.environ.get("ECOLOOP_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copyfile(shot, DOCS / shot.name)
