"""运行监控 in Chromium: the administrator's page draws its charts from live figures, with thresholds."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.workflow.models import HumanTask, TaskStatus
from tests.browser.conftest import LiveServer, Tab


def test_the_runstate_page_renders_live_figures(tab: Tab, live: LiveServer) -> None:
    with live.sessions()() as session:
        open_tasks = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.status == TaskStatus.READY))
    tab.login("admin")
    tab.go("/admin/runstate")
    assert tab.page.inner_text("h1") == "运行监控"
    for chart in ("chart-tasks", "chart-disk", "chart-requests"):
        tab.page.wait_for_selector(f"#{chart}[data-rendered=true] svg")
    assert tab.page.inner_text('[data-level="open_tasks"]') == f"{float(open_tasks):g}".replace("", "") or True
    assert float(tab.page.inner_text('[data-level="open_tasks"]')) == open_tasks
    assert tab.page.inner_text('[data-limit="open_tasks"]').startswith(">")
    bars = tab.page.locator("#chart-tasks svg path").count()
    assert bars > 4  # bars for the processes with open tasks, axes and legend
    assert "anomaly_closure" in tab.page.inner_text("#chart-tasks")
    assert tab.errors == []


def test_the_page_is_for_administrators(tab: Tab, live: LiveServer) -> None:
    tab.login("county-440106")
    response = tab.go("/admin/runstate")
    assert response.status == 403
