"""A returned explanation: the portal card says 退回 with the reason; the form comes back filled, file attached."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.workflow.models import HumanTask
from engine.tasks import actions as tasks
from tests.browser.conftest import LiveServer, Tab
from tests.browser.test_closed_loop import ENTERPRISE, PDF, open_step, ready_step, start_exceedance
from tests.web import ui_support as ui

REASON = "请补充检修前后的在线监测数据截图。"


def test_the_enterprise_sees_the_return_first_and_resubmits_what_it_sent(tab: Tab, live: LiveServer,
                                                                          tmp_path: Path) -> None:
    instance_id = start_exceedance(live, "returned-1")
    page = tab.page
    pdf = tmp_path / "检修记录.pdf"
    pdf.write_bytes(PDF)
    tab.login(ENTERPRISE.credit_code)
    open_step(tab, live, instance_id, "explain")
    page.select_option("#f-reason", "maintenance")
    page.fill("#f-description", "脱硫设备检修，附检修记录。")
    page.set_input_files(".evidence-input", str(pdf))
    page.wait_for_selector('.evidence-item[data-id] input[name="evidence"]', state="attached")
    with page.expect_navigation():
        page.click("#submit-task")

    review = ready_step(live, instance_id)
    with live.sessions().begin() as session:  # the county sends it back with its reason
        tasks.complete(session, ui.worker(session, review), review.id, {"decision": "return", "opinion": REASON})

    tab.go("/portal/")
    card = page.locator(f'.todo-card[data-task="{ready_step(live, instance_id).id}"]')
    assert card.locator(".returned-badge").inner_text() == "退回"
    assert REASON in card.locator(".return-reason").inner_text()

    open_step(tab, live, instance_id, "explain")
    reason_box, form_box = page.locator("#return-reason").bounding_box(), page.locator("#task-form").bounding_box()
    assert reason_box and form_box and reason_box["y"] < form_box["y"]  # the reason first, above the form
    assert REASON in page.inner_text("#return-reason")
    assert page.input_value("#f-reason") == "maintenance"
    assert page.input_value("#f-description") == "脱硫设备检修，附检修记录。"
    assert page.locator(".evidence-item .name").first.inner_text() == "检修记录.pdf"  # still attached
    page.fill("#f-description", "脱硫设备检修，附检修记录；补充检修前后数据截图说明。")
    with page.expect_navigation():
        page.click("#submit-task")
    assert page.locator(".alert-success").count() >= 1
    again = ready_step(live, instance_id)
    assert again.spec_name == "county_review"
    explained = [t for t in _steps(live, instance_id) if t.spec_name == "explain" and t.status == "completed"]
    first, last = explained[0].submitted or {}, explained[-1].submitted or {}
    assert last["evidence"] == first["evidence"] and "补充" in last["description"]
    assert tab.errors == []


def _steps(live: LiveServer, instance_id: int) -> list[HumanTask]:
    with live.sessions()() as session:
        return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                    .order_by(HumanTask.created_at)))
