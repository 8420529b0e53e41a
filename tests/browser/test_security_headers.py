"""The Content-Security-Policy holds in Chromium: charts, diagrams, the model editor and the API docs run under it.

Every ``securitypolicyviolation`` event a page fires is collected (an init script listens before any page script
runs), beside the console errors Chromium logs for a blocked script, style or event handler.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from tests.browser.conftest import LiveServer, Tab, open_tab
from tests.browser.test_closed_loop import ENTERPRISE

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at '
                              + (e.sourceFile || document.location.pathname) + ':' + e.lineNumber);
});
"""


@pytest.fixture
def watched(chromium: Any, live: LiveServer) -> Any:
    """A tab that records CSP violations."""
    opened = open_tab(chromium, live)
    opened.page.context.add_init_script(WATCH_CSP)
    yield opened
    opened.page.context.close()


def _visit(tab: Tab, path: str, ready: str) -> None:
    response = tab.go(path)
    assert response.status == 200, path
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    tab.page.wait_for_selector(ready, state="attached")
    tab.page.wait_for_timeout(200)  # late violations (fonts, tooltips) are reported asynchronously


def _violations(tab: Tab) -> list[str]:
    return list(tab.page.evaluate("window.__cspViolations"))


def _task_in(live: LiveServer, region: str, spec: str) -> HumanTask:
    with live.sessions()() as session:
        return session.scalars(select(HumanTask).where(
            HumanTask.status == TaskStatus.READY, HumanTask.region_code == region, HumanTask.spec_name == spec)
            .order_by(HumanTask.created_at).limit(1)).one()


def test_dashboard_charts_and_the_process_filter_run_under_the_policy(watched: Tab) -> None:
    watched.login("province")
    _visit(watched, "/dashboard/", "#chart-per-month[data-rendered=true]")
    watched.page.hover("#chart-per-month")  # the tooltip is HTML built by ECharts
    watched.page.mouse.move(*_centre(watched, "#chart-per-month"))
    watched.page.wait_for_timeout(300)
    choice = watched.page.locator("#dashboard-process option").nth(1).get_attribute("value")
    with watched.page.expect_navigation():  # the select's change handler lives in app.js now
        watched.page.select_option("#dashboard-process", choice)
    assert f"process={choice}" in watched.page.url
    assert _violations(watched) == [] and watched.errors == []


def test_task_and_instance_pages_run_under_the_policy(watched: Tab, live: LiveServer) -> None:
    review = _task_in(live, "440106", "county_review")
    watched.login("county-440106")
    _visit(watched, f"/tasks/{review.id}", "#task-form")
    _visit(watched, f"/instances/{review.instance_id}", "#diagram[data-rendered=true]")
    assert watched.page.locator("#diagram svg .djs-element").count() > 3
    assert _violations(watched) == [] and watched.errors == []


def test_model_editor_and_api_docs_run_under_the_policy(watched: Tab, live: LiveServer) -> None:
    with live.sessions()() as session:
        model_id = session.scalars(select(ProcessInstance.model_id).limit(1)).one()
    watched.login("admin")
    _visit(watched, f"/admin/processes/models/{model_id}/edit", "#modeler[data-rendered=true]")
    assert watched.page.locator("#modeler .djs-palette").count() == 1
    _visit(watched, "/api/v1/docs", "#swagger-ui-container .information-container")
    assert _violations(watched) == [] and watched.errors == []


def test_portal_and_a_task_with_its_measurement_chart_run_under_the_policy(watched: Tab, live: LiveServer) -> None:
    with live.sessions()() as session:  # a demo monitoring case: its task page charts the stored measurements
        measured = session.scalars(select(HumanTask).where(
            HumanTask.status == TaskStatus.READY, HumanTask.spec_name == "explain",
            HumanTask.enterprise_code == ENTERPRISE.credit_code, HumanTask.kind == "exceedance",
            HumanTask.point.like("4401060%")).limit(1)).one()
    watched.login(ENTERPRISE.credit_code)
    _visit(watched, "/portal/", "#submissions")
    _visit(watched, f"/tasks/{measured.id}", "#series-chart[data-rendered=true]")
    watched.page.mouse.move(*_centre(watched, "#series-chart"))
    watched.page.wait_for_timeout(300)
    assert _violations(watched) == [] and watched.errors == []


def test_an_inline_script_is_blocked(watched: Tab) -> None:
    """The policy is enforced, not only sent: a script injected into a page does not run."""
    watched.login(ENTERPRISE.credit_code)
    _visit(watched, "/portal/", "#submissions")
    watched.page.evaluate("""() => { const s = document.createElement('div');
        s.innerHTML = '<img src=x onerror="window.__ran = true">'; document.body.appendChild(s); }""")
    watched.page.wait_for_timeout(300)
    assert watched.page.evaluate("window.__ran === true") is False
    assert any("script-src" in v for v in _violations(watched))


def _centre(tab: Tab, selector: str) -> tuple[float, float]:
    box = tab.page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
