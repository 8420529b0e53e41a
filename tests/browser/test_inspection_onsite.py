"""双随机 in real Chromium: a drawn assignment is inspected on a phone (checklist, camera photo), confirmed by the
second officer, concluded by the section head, published, and read on the public 一公开 page without log-in."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.inspection.onsite.models import InspectionCase
from engine.workflow.models import HumanTask, TaskStatus
from tests.browser.conftest import PHONE, LiveServer, Tab, open_tab
from tests.engine.evidence.test_filestore import png
from tests.support.inspection import OFFICER_A, OFFICER_B, dispatched

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def phone(chromium: Any, live: LiveServer) -> Any:
    opened = open_tab(chromium, live, PHONE)
    yield opened
    opened.page.context.close()


def _ready(live: LiveServer, case_id: int, step: str) -> str:
    with live.sessions()() as session:
        case = session.get(InspectionCase, case_id)
        assert case is not None
        return session.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == case.instance_id, HumanTask.spec_name == step,
            HumanTask.status == TaskStatus.READY)).one()


def _case(live: LiveServer, case_id: int) -> InspectionCase:
    with live.sessions()() as session:
        case = session.get(InspectionCase, case_id)
        assert case is not None
        session.expunge(case)
        return case


def test_from_the_drawn_assignment_to_the_public_result(phone: Tab, live: LiveServer) -> None:
    with live.sessions().begin() as session:
        case_id = dispatched(session, tag="浏览器")
    page = phone.page
    phone.login(OFFICER_A.username)
    phone.go("/inspection/onsite/")
    assert page.evaluate(OVERFLOW) <= 0, "my inspections fit the phone"
    with page.expect_navigation():
        page.locator(f"a.open-sheet[href$='/inspection/onsite/{case_id}']").click()
    assert page.locator("#photo-files").get_attribute("capture") == "environment"
    assert page.locator("#photo-files").get_attribute("accept") == "image/*"
    assert page.evaluate(OVERFLOW) <= 0, "the sheet fits the phone"
    page.locator("label[for='c-SJ-01-0-ok']").click()
    page.locator("label[for='c-SJ-01-1-problem']").click()
    page.fill("input[name='n-SJ-01-1']", "排放口标识缺失")
    page.locator("label[for='c-SJ-04-0-ok']").click()
    page.fill("#findings", "废气排放口未设置规范化标识")
    page.set_input_files("#photo-files", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": png()}])
    with page.expect_navigation():
        page.click("#submit-record")
    assert "/inspection/onsite/" in page.url and "现场检查记录已提交" in page.inner_text("main")
    recorded = _case(live, case_id)
    assert recorded.status == "recorded" and len(recorded.photos) == 1 and recorded.problem_found
    phone.logout()

    phone.login(OFFICER_B.username)
    phone.go("/inspection/onsite/")
    with page.expect_navigation():
        page.locator("a.open-step").first.click()
    with page.expect_navigation():
        page.click("button[data-outcome='confirm']")
    assert _case(live, case_id).status == "inspected"
    phone.logout()

    phone.login("county-440106")
    phone.go(f"/tasks/{_ready(live, case_id, 'section_review')}")
    page.fill("#f-opinion", "标识缺失情节轻微，已当场整改")
    with page.expect_navigation():
        page.click("button[data-outcome='no_problem']")
    phone.go(f"/tasks/{_ready(live, case_id, 'publish')}")
    page.fill("#f-public_summary", "未发现环境违法问题")
    with page.expect_navigation():
        page.click("#submit-task")
    assert _case(live, case_id).published_at is not None
    phone.logout()

    phone.go("/public/inspection/results/")
    page.fill("input[name='unit']", "热电有限公司浏览器")
    with page.expect_navigation():
        page.locator("#result-search button").click()
    rows = page.locator("#published-results tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "未发现问题" in text and "未发现环境违法问题" in text and "李执法" in text and "排污许可执行情况" in text
    assert page.evaluate(OVERFLOW) <= 0 or page.locator(".table-responsive").count() == 1
    assert [e for e in phone.errors if "status of 4" not in e] == []
