"""The whole loop in a browser: explain with a PDF, return, supplement, county → city → province, completed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.demo.accounts import ADMIN, DEMO_ENTERPRISES
from engine.workflow.models import HumanTask, TaskStatus
from engine.instances import service as instances
from engine.instances.service import StartRequest
from tests.browser.conftest import LiveServer, Tab

PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"
ENTERPRISE = DEMO_ENTERPRISES[0]


def start_exceedance(live: LiveServer, key: str) -> int:
    """An exceedance at a key unit: explained by the enterprise, then county, city and province review it."""
    with live.sessions().begin() as session:
        row = instances.start(session, ADMIN, StartRequest(
            process_key="anomaly_closure", region_code=ENTERPRISE.region_code, enterprise_code=ENTERPRISE.credit_code,
            business_key=key, subject=f"{ENTERPRISE.name} · 浏览器测试 {key}",
            data={"anomaly_type": "exceedance", "key_unit": True, "factor": "a21026",
                  "point_mn": "BROWSER00000000000000001", "period": "2026-11-25T08:00:00+08:00/PT1H"}))
        return row.id


def ready_step(live: LiveServer, instance_id: int) -> HumanTask:
    with live.sessions()() as session:
        return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                       HumanTask.status == TaskStatus.READY)).one()


def open_step(tab: Tab, live: LiveServer, instance_id: int, step: str) -> HumanTask:
    task = ready_step(live, instance_id)
    assert task.spec_name == step, f"expected {step}, the case waits at {task.spec_name}"
    tab.go(f"/tasks/{task.id}")
    tab.page.wait_for_selector("#task-form")
    return task


def decide(tab: Tab, outcome: str, opinion: str = "", conclusion: str | None = None) -> None:
    page = tab.page
    if opinion:
        page.fill("#f-opinion", opinion)
    if conclusion:
        page.select_option("#f-conclusion", conclusion)
    with page.expect_navigation():
        page.click(f'button[data-outcome="{outcome}"]')
    assert page.locator(".alert-success").count() >= 1, page.content()


def test_explain_return_supplement_and_approve_to_the_end(tab: Tab, live: LiveServer, tmp_path: Path) -> None:
    instance_id = start_exceedance(live, "loop-1")
    page = tab.page
    pdf = tmp_path / "停产检修记录.pdf"
    pdf.write_bytes(PDF)

    # the enterprise explains, attaching a PDF through the drop zone's file input (upload with progress)
    tab.login(ENTERPRISE.credit_code)
    assert "待说明的异常" in page.content()
    open_step(tab, live, instance_id, "explain")
    page.select_option("#f-reason", "maintenance")
    page.fill("#f-description", "11月25日脱硫设备检修，已附检修记录。")
    page.set_input_files(".evidence-input", str(pdf))
    page.wait_for_selector('.evidence-item[data-id] input[name="evidence"]', state="attached")
    assert page.locator(".evidence-item .name").first.inner_text() == "停产检修记录.pdf"
    with page.expect_navigation():
        page.click("#submit-task")
    tab.logout()

    # the county sees the explanation and the PDF, and sends it back
    tab.login("county-440106")
    open_step(tab, live, instance_id, "county_review")
    history = page.inner_text("#history")
    assert "脱硫设备检修" in history and "停产检修记录.pdf" in history
    decide(tab, "return", opinion="请补充检修前后的监测数据。")
    tab.logout()

    # the enterprise supplements (the opinion is in front of it) and picks the PDF from its library
    tab.login(ENTERPRISE.credit_code)
    open_step(tab, live, instance_id, "explain")
    assert "请补充检修前后的监测数据。" in page.inner_text("#history")
    page.select_option("#f-reason", "maintenance")
    page.fill("#f-description", "补充：检修后数据已恢复正常。")
    page.click("text=从证据库选择")
    page.check(".library-pick")
    page.click(".library-confirm")
    page.wait_for_selector('.evidence-item[data-id] input[name="evidence"]', state="attached")
    with page.expect_navigation():
        page.click("#submit-task")
    tab.logout()

    for user, step, conclusion in (("county-440106", "county_review", None),
                                   ("city-440100", "city_review", None),
                                   ("province", "province_review", "explanation_accepted")):
        tab.login(user)
        open_step(tab, live, instance_id, step)
        decide(tab, "accept", opinion=f"{step} 同意", conclusion=conclusion)
        tab.logout()

    # the instance page shows it completed on the diagram, with the path taken
    tab.login("admin")
    tab.go(f"/instances/{instance_id}")
    page.wait_for_selector("#diagram[data-rendered=true]")
    assert page.get_attribute("#instance-status", "data-status") == "completed"
    for element in ("explain", "county_review", "city_review", "province_review", "end_closed"):
        marker = page.locator(f'#diagram g.djs-element[data-element-id="{element}"]')
        assert "finished" in (marker.get_attribute("class") or ""), element
    taken = page.locator("#diagram g.djs-connection.taken").count()
    assert taken >= 5
    assert page.locator('#diagram .current').count() == 0
    timeline = page.inner_text("#timeline")
    assert "退回" in timeline and "请补充检修前后的监测数据。" in timeline
    assert timeline.count("办理") >= 6 and "停产检修记录.pdf" in timeline
    assert tab.errors == []


def test_escaped_explanation_and_refused_post_without_csrf(tab: Tab, live: LiveServer) -> None:
    instance_id = start_exceedance(live, "xss-1")
    page = tab.page
    dialogs: list[Any] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    script = "<script>alert('xss')</script><img src=x onerror=alert(1)>"
    tab.login(ENTERPRISE.credit_code)
    open_step(tab, live, instance_id, "explain")
    page.select_option("#f-reason", "other")
    page.fill("#f-description", f"说明 {script}")
    with page.expect_navigation():
        page.click("#submit-task")
    tab.logout()

    tab.login("county-440106")
    task = open_step(tab, live, instance_id, "county_review")
    assert script in page.inner_text("#history")  # shown as text
    assert dialogs == [] and page.locator("#history script, #history img").count() == 0
    tab.go(f"/instances/{instance_id}")
    assert dialogs == [] and script in page.inner_text("#timeline")

    # a form posted without its CSRF token is refused and changes nothing
    tab.go(f"/tasks/{task.id}")
    page.evaluate("document.querySelector('#task-form input[name=csrf_token]').remove()")
    with page.expect_navigation():
        page.click('button[data-outcome="accept"]')
    assert "CSRF" in page.content()
    assert re.search(r"\b400\b", page.inner_text("main"))
    assert ready_step(live, instance_id).id == task.id
