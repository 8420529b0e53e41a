"""办事 in the browser: an enterprise applies for credit repair, files its emergency plan and opens a support
ticket, each with an evidence file; a reviewer opens a ticket from its task list; an unavailable start says why."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.demo.bootstrap import DEMO_ENTERPRISES
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.evidence import library as evidence
from tests.browser.conftest import LiveServer, Tab
from tests.browser.test_closed_loop import PDF

TIANHE, BAIYUN = DEMO_ENTERPRISES[0], DEMO_ENTERPRISES[1]


def attach(tab: Tab, field: str, path: Path) -> None:
    tab.page.set_input_files(f"#f-{field} .evidence-input", str(path))
    tab.page.wait_for_selector(f'#f-{field} .evidence-item[data-id] input[name="{field}"]', state="attached")


def submit(tab: Tab) -> int:
    """Submit the start form; the new instance's page opens. Returns its id."""
    with tab.page.expect_navigation():
        tab.page.click("#start-submit")
    assert "/instances/" in tab.page.url, tab.page.inner_text("main")
    assert tab.page.locator(".alert-success").count() >= 1
    return int(tab.page.url.rstrip("/").rsplit("/", 1)[1])


def evidence_of(live: LiveServer, instance_id: int) -> list[str]:
    with live.sessions()() as session:
        steps = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance_id)).all()
        return [a.display_name for step in steps for a in evidence.task_attachments(session, step)]


def instance(live: LiveServer, instance_id: int) -> tuple[ProcessInstance, list[str]]:
    with live.sessions()() as session:
        row = session.get(ProcessInstance, instance_id)
        assert row is not None
        ready = session.scalars(select(HumanTask.spec_name).where(HumanTask.instance_id == instance_id,
                                                                  HumanTask.status == TaskStatus.READY)).all()
        return row, list(ready)


def test_an_enterprise_files_all_three_from_the_portal(tab: Tab, live: LiveServer, tmp_path: Path) -> None:
    page = tab.page
    pdf = tmp_path / "rectification.pdf"
    pdf.write_bytes(PDF)
    tab.login(TIANHE.credit_code)

    page.click('#services [data-start="credit_repair"] a')
    page.wait_for_selector("#start-form")
    page.fill("#f-rectification", "脱硫设施提标改造已通过验收。")
    page.fill("#f-completed_on", "2026-11-20")
    attach(tab, "evidence", pdf)
    repair = submit(tab)
    row, ready = instance(live, repair)
    assert (row.process_key, row.enterprise_code, ready) == ("credit_repair", TIANHE.credit_code, ["district_opinion"])
    assert evidence_of(live, repair) == ["rectification.pdf"]

    tab.go("/portal/")
    page.click('#services [data-start="emergency_plan_filing"] a')
    page.fill("#f-plan_name", "突发环境事件应急预案（2027 版）")
    page.check("#f-risk_level-2")
    page.fill("#f-compiled_on", "2026-11-01")
    attach(tab, "documents", pdf)
    filing = submit(tab)
    row, ready = instance(live, filing)
    assert row.process_key == "emergency_plan_filing" and ready == ["county_check"]
    assert evidence_of(live, filing) == ["rectification.pdf"]

    tab.go("/portal/")
    page.click('#services [data-start="support_ticket"] a')
    page.select_option("#f-subsystem", "数据采集传输")
    page.fill("#f-summary", "数采仪上报中断")
    page.fill("#f-description", "11 月 20 日起 1 号排口数采仪不再上报数据。")
    attach(tab, "attachments", pdf)
    ticket = submit(tab)
    row, ready = instance(live, ticket)
    assert row.process_key == "support_ticket" and ready == ["triage"]
    assert "rectification.pdf" in page.inner_text("#timeline")  # the report's file on the case page
    assert evidence_of(live, ticket) == ["rectification.pdf"]

    tab.go("/portal/")  # all three are listed among the submissions
    submissions = page.inner_text("#submissions")
    assert "信用修复申请" in submissions and "应急预案备案" in submissions and "数采仪上报中断" in submissions
    assert tab.errors == []


def test_an_unavailable_start_says_why(tab: Tab, live: LiveServer) -> None:
    tab.login(BAIYUN.credit_code)  # its repair application is still being handled
    item = tab.page.locator('#services [data-start="credit_repair"]')
    assert item.locator("button[disabled]").count() == 1 and item.locator("a").count() == 0
    assert "已有信用修复申请正在办理" in item.locator(".start-reason").inner_text()
    tab.go("/portal/start/credit_repair")
    assert tab.page.is_disabled("#start-submit")
    assert "已有信用修复申请正在办理" in tab.page.inner_text("#start-unavailable")


def test_a_reviewer_opens_a_ticket(tab: Tab, live: LiveServer) -> None:
    page = tab.page
    tab.login("county-440106")
    tab.go("/tasks/")
    with page.expect_navigation():
        page.click("#new-ticket")
    page.select_option("#f-subsystem", "统计报表")
    page.fill("#f-summary", "月报导出缺少有效传输率")
    page.fill("#f-description", "11 月月报中有效传输率一列为空。")
    ticket = submit(tab)
    row, ready = instance(live, ticket)
    assert (row.process_key, row.region_code, row.started_by, ready) == \
        ("support_ticket", "440106", "county-440106", ["triage"])
    assert tab.errors == []
