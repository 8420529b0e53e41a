"""The reviewer and enterprise pages over HTTP: scoping, forms with errors, CSRF, escaping, evidence."""

from __future__ import annotations

import io
import re

from flask import Flask

from engine.demo.accounts import DEMO_ENTERPRISES
from tests.web.conftest import Browser, login

TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})"')
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def task_ids(browser: Browser) -> list[str]:
    return TASK_LINK.findall(browser.get("/tasks/").get_data(as_text=True))


def test_wrong_password_is_refused_and_audited(browser: Browser) -> None:
    response = browser.login("county-440106", "wrong")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_pages_require_login(browser: Browser) -> None:
    response = browser.get("/tasks/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_county_sees_only_its_tasks(app: Flask) -> None:
    tianhe, baiyun = login(app, "county-440106"), login(app, "county-440111")
    tianhe_ids, baiyun_ids = set(task_ids(tianhe)), set(task_ids(baiyun))
    assert tianhe_ids and baiyun_ids and not tianhe_ids & baiyun_ids
    foreign = next(iter(baiyun_ids))
    assert tianhe.get(f"/tasks/{foreign}").status_code == 404
    assert tianhe.post(f"/tasks/{foreign}/complete", {"decision": "accept"}).status_code == 404
    city = set(task_ids(login(app, "city-440100")))
    assert not city & (tianhe_ids | baiyun_ids)  # county tasks are not the city's to work


def test_form_errors_keep_input_and_speak_chinese(app: Flask) -> None:
    county = login(app, "county-440106")
    task_id = task_ids(county)[0]
    county.get(f"/tasks/{task_id}")
    response = county.post(f"/tasks/{task_id}/complete", {"decision": "return", "conclusion": "referred"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "此项为必填项" in page
    assert 'value="referred" selected' in page


def test_post_without_csrf_token_is_refused(app: Flask) -> None:
    county = login(app, "county-440106")
    task_id = task_ids(county)[0]
    response = county.client.post(f"/tasks/{task_id}/complete", data={"decision": "accept"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert task_id in task_ids(county)  # still open


def test_enterprise_explanation_is_escaped_for_the_reviewer(app: Flask) -> None:
    enterprise = DEMO_ENTERPRISES[0]
    clerk = login(app, enterprise.credit_code)
    explain = task_ids(clerk)[0]
    clerk.get(f"/tasks/{explain}")
    script = "<script>alert('x')</script>"
    response = clerk.post(f"/tasks/{explain}/complete",
                          {"reason": "other", "description": f"说明 {script}", "measures": "无"})
    assert response.status_code == 302
    county = login(app, "county-440106")
    pages = [county.get(f"/tasks/{t}").get_data(as_text=True) for t in task_ids(county)]
    shown = [p for p in pages if "说明 &lt;script&gt;" in p]
    assert shown and all(script not in p for p in pages)


def test_evidence_upload_checks_content_and_download_is_scoped(app: Flask) -> None:
    clerk = login(app, DEMO_ENTERPRISES[0].credit_code)
    clerk.get("/tasks/")
    headers = {"X-CSRFToken": clerk.token, "Accept": "application/json"}
    fake = clerk.client.post("/evidence/", data={"file": (io.BytesIO(b"MZ\x90\x00binary"), "report.pdf")},
                             headers=headers)
    assert fake.status_code == 415
    good = clerk.client.post("/evidence/", data={"file": (io.BytesIO(MINIMAL_PDF), "维护记录.pdf")}, headers=headers)
    assert good.status_code == 201, good.get_data(as_text=True)
    attachment = good.get_json()
    assert attachment["name"] == "维护记录.pdf" and len(attachment["sha256"]) == 64
    assert clerk.get(f"/evidence/{attachment['id']}").data == MINIMAL_PDF
    other = login(app, DEMO_ENTERPRISES[1].credit_code)
    assert other.get(f"/evidence/{attachment['id']}").status_code == 404
    assert login(app, "county-440111").get(f"/evidence/{attachment['id']}").status_code == 404


def test_non_admin_cannot_reach_administration(app: Flask) -> None:
    county = login(app, "county-440106")
    assert county.get("/admin/processes").status_code == 403
    assert county.get("/admin/audit").status_code == 403


def test_admin_verifies_the_audit_chain(app: Flask) -> None:
    admin = login(app, "admin")
    admin.get("/admin/audit")
    response = admin.post("/admin/audit/verify")
    assert response.status_code == 200
    assert "审计链完整" in response.get_data(as_text=True)


# ---------------------------------------------------------------- work lists, task page, operations

import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from sqlalchemy import insert, select  # noqa: E402

from engine.actors import Role  # noqa: E402
from engine.db import utcnow  # noqa: E402
from engine.workflow.models import HumanTask, TaskNote
from engine.tasks.models import TaskDraft
from tests.web import ui_support as ui  # noqa: E402


def test_tabs_count_each_list_and_filters_narrow_it(app: Flask) -> None:
    constant = ui.start_case(app, anomaly_type="constant", point_mn="FILTER00000000000000000A")
    ui.walk_to(app, constant, "county_review")
    county = login(app, "county-440106")
    page = county.get("/tasks/").get_data(as_text=True)
    todo = int(re.search(r'data-tab="todo">[^<]*<span class="count" data-count="(\d+)"', page).group(1))
    assert todo == len(ui.task_ids(page)) >= 1
    narrowed = county.get("/tasks/?kind=constant&point=FILTER").get_data(as_text=True)
    (only,) = ui.task_ids(narrowed)
    assert only == ui.ready_task(app, constant).id
    assert 'data-tab="todo">' in narrowed and 'data-count="1"' in narrowed
    by_name = county.get("/tasks/?enterprise=天河环保").get_data(as_text=True)
    assert only in ui.task_ids(by_name)
    assert ui.task_ids(county.get("/tasks/?enterprise=91440111MA5AXB2P14").get_data(as_text=True)) == []


def test_overdue_and_due_soon_are_badged_and_filtered(app: Flask) -> None:
    late, soon = ui.start_case(app), ui.start_case(app)
    late_task, soon_task = ui.walk_to(app, late, "county_review"), ui.walk_to(app, soon, "county_review")
    ui.set_due(app, late_task.id, utcnow() - timedelta(hours=3))
    ui.set_due(app, soon_task.id, utcnow() + timedelta(hours=3))
    county = login(app, "county-440106")
    overdue = county.get("/tasks/?overdue=1").get_data(as_text=True)
    assert late_task.id in overdue and soon_task.id not in overdue
    row = re.search(rf'data-task="{late_task.id}".*?</tr>', overdue, re.S).group(0)
    assert "逾期" in row
    due_soon = county.get("/tasks/?due_soon=1").get_data(as_text=True)
    assert soon_task.id in due_soon and late_task.id not in due_soon
    assert "即将到期" in re.search(rf'data-task="{soon_task.id}".*?</tr>', due_soon, re.S).group(0)


def test_batch_approval_reports_a_result_per_task(app: Flask) -> None:
    first, second = ui.start_case(app), ui.start_case(app)
    ok = ui.walk_to(app, first, "county_review")
    done_meanwhile = ui.walk_to(app, second, "county_review")
    foreign = ui.walk_to(app, ui.start_case(app, enterprise=ui.BAIYUN), "county_review")
    ui.walk_to(app, second, "city_review")  # someone else finished it meanwhile
    county = login(app, "county-440106")
    county.get("/tasks/")
    response = county.post("/tasks/batch", {"task_ids": [ok.id, done_meanwhile.id, foreign.id], "opinion": "同意"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('data-ok="true"') == 1 and page.count('data-ok="false"') == 2
    assert ui.ready_task(app, first).spec_name == "city_review"
    with ui.sessions(app)() as session:
        assert session.get(HumanTask, ok.id).opinion == "同意"
        assert session.get(HumanTask, foreign.id).status == "ready"


def test_enterprises_cannot_batch_approve(app: Flask) -> None:
    clerk = login(app, ui.TIANHE.credit_code)
    clerk.get("/tasks/")
    task = ui.ready_task(app, ui.start_case(app))
    assert clerk.post("/tasks/batch", {"task_ids": [task.id]}).status_code == 403
    assert ui.ready_task(app, task.instance_id).id == task.id


def test_draft_keeps_what_was_typed_until_submission(app: Flask) -> None:
    task = ui.ready_task(app, ui.start_case(app))
    clerk = login(app, ui.TIANHE.credit_code)
    clerk.get(f"/tasks/{task.id}")
    saved = clerk.post(f"/tasks/{task.id}/draft", {"reason": "maintenance", "description": "检修中，稍后补充"})
    assert saved.status_code == 302
    page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "检修中，稍后补充</textarea>" in page and 'value="maintenance" selected' in page
    assert ui.ready_task(app, task.instance_id).id == task.id  # a draft completes nothing
    done = clerk.post(f"/tasks/{task.id}/complete", {"reason": "other", "description": "已说明"})
    assert done.status_code == 302
    with ui.sessions(app)() as session:
        assert session.scalars(select(TaskDraft).where(TaskDraft.task_id == task.id)).all() == []


def test_task_page_shows_the_case_first_with_chart_and_history(app: Flask) -> None:
    values = [{"t": f"2026-11-25T0{h}:00:00+00:00", "v": v} for h, v in ((1, 40.0), (2, 120.5), (3, 45.0))]
    case = ui.start_case(app, factor="w01018", point_mn="CHART0000000000000000001", limit=100,
                         period="2026-11-25T10:00:00+08:00/PT1H", values=values)
    earlier = ui.start_case(app, point_mn="CHART0000000000000000001")
    task = ui.walk_to(app, case, "county_review")
    page = login(app, "county-440106").get(f"/tasks/{task.id}").get_data(as_text=True)
    facts = page[page.index('id="case-facts"'):page.index('id="task-card"')]
    assert "化学需氧量 (w01018)" in facts and "CHART0000000000000000001" in facts and "2026-11-25 10:00 – 11:00" in facts
    assert 'id="series-chart"' in page and "120.5" in page and "&#34;limit&#34;: 100.0" in page
    assert f'/instances/{earlier}"' in page  # earlier case of the same point
    assert "仪表漂移，已重新标定" in page[page.index('id="history"'):]  # the enterprise's explanation
    assert page.index('id="case-facts"') < page.index('id="task-form"')


def test_outcome_buttons_and_operations_follow_the_model(app: Flask) -> None:
    task = ui.walk_to(app, ui.start_case(app), "county_review")
    page = login(app, "county-440106").get(f"/tasks/{task.id}").get_data(as_text=True)
    for outcome in ("accept", "return", "refer"):
        assert f'data-outcome="{outcome}"' in page
    for operation in ("op-return", "op-transfer", "op-delegate", "op-copy"):
        assert f'id="{operation}"' in page
    explain = ui.ready_task(app, ui.start_case(app))
    clerk_page = login(app, ui.TIANHE.credit_code).get(f"/tasks/{explain.id}").get_data(as_text=True)
    assert 'id="op-return"' not in clerk_page and 'id="op-transfer"' not in clerk_page
    assert 'id="submit-task"' in clerk_page and 'class="dropzone' in clerk_page


def test_return_sends_the_case_back_with_the_opinion(app: Flask) -> None:
    case = ui.start_case(app)
    task = ui.walk_to(app, case, "county_review")
    county = login(app, "county-440106")
    county.get(f"/tasks/{task.id}")
    refused = county.post(f"/tasks/{task.id}/return", {"target": "explain", "opinion": ""})
    assert refused.status_code == 422 and "此项为必填项" in refused.get_data(as_text=True)
    response = county.post(f"/tasks/{task.id}/return", {"target": "explain", "opinion": "缺少检修记录"})
    assert response.status_code == 302
    back = ui.ready_task(app, case)
    assert back.spec_name == "explain"
    clerk_page = login(app, ui.TIANHE.credit_code).get(f"/tasks/{back.id}").get_data(as_text=True)
    assert "缺少检修记录" in clerk_page


def test_transfer_delegate_copy_and_urge(app: Flask) -> None:
    ui.add_user(app, "county-440106-b", Role.COUNTY_REVIEWER, "440106", "天河区分局审核员乙")
    task = ui.walk_to(app, ui.start_case(app), "county_review")
    county = login(app, "county-440106")
    county.get(f"/tasks/{task.id}")
    assert county.post(f"/tasks/{task.id}/copy", {"targets": "city-440100", "note": "请关注"}).status_code == 302
    city = login(app, "city-440100")
    assert task.id in ui.task_ids(city.get("/tasks/?tab=copies").get_data(as_text=True))
    assert county.post(f"/tasks/{task.id}/delegate", {"target": "county-440106-b", "note": "请提意见"}).status_code == 302
    colleague = login(app, "county-440106-b")
    assert 'action="/tasks/%s/answer"' % task.id in colleague.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert colleague.post(f"/tasks/{task.id}/answer", {"opinion": "可以通过"}).status_code == 302
    city.get(f"/instances/{task.instance_id}")
    assert city.post(f"/tasks/{task.id}/urge", {"note": "请尽快"}).status_code == 302
    assert county.post(f"/tasks/{task.id}/transfer", {"target": "county-440106-b"}).status_code == 302
    assert task.id in ui.task_ids(colleague.get("/tasks/").get_data(as_text=True))
    assert task.id not in ui.task_ids(county.get("/tasks/").get_data(as_text=True))
    with ui.sessions(app)() as session:
        kinds = [n.kind for n in session.scalars(select(TaskNote).where(TaskNote.task_id == task.id)
                                                 .order_by(TaskNote.id))]
    assert kinds == ["copy", "delegate", "opinion", "urge", "transfer"]


def test_withdraw_takes_back_a_completion_nobody_acted_on(app: Flask) -> None:
    task = ui.ready_task(app, ui.start_case(app))
    clerk = login(app, ui.TIANHE.credit_code)
    clerk.get(f"/tasks/{task.id}")
    clerk.post(f"/tasks/{task.id}/complete", {"reason": "other", "description": "第一次说明"})
    page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'action="/tasks/{task.id}/withdraw"' in page
    response = clerk.post(f"/tasks/{task.id}/withdraw")
    assert response.status_code == 302
    assert ui.ready_task(app, task.instance_id).spec_name == "explain"


def test_a_list_of_ten_thousand_tasks_is_paginated_in_sql(app: Flask) -> None:
    ui.add_user(app, "county-440303", Role.COUNTY_REVIEWER, "440303", "罗湖区分局审核员")
    instance = ui.start_case(app)
    now = utcnow()
    rows = [{"id": f"bulk-{n:031d}", "spiff_task_id": f"bulk-{n:031d}", "instance_id": instance,
             "process_key": "anomaly_closure", "spec_name": "county_review", "title": "区县初审", "lane": "区县审核",
             "role": "county_reviewer", "form_key": "county_review", "region_code": "440303",
             "enterprise_code": None, "subject": f"批量事项 {n:05d}", "status": "ready", "kind": "exceedance",
             "due_at": now + timedelta(hours=n), "created_at": now} for n in range(10_000)]
    with ui.sessions(app).begin() as session:
        session.execute(insert(HumanTask), rows)
    reviewer = login(app, "county-440303")
    started = time.perf_counter()
    page = reviewer.get("/tasks/?per_page=50&page=3").get_data(as_text=True)
    elapsed = time.perf_counter() - started
    assert 'data-count="10000"' in page
    assert len(re.findall(r'data-task="bulk-', page)) == 50
    assert "批量事项 00100" in page and "批量事项 00099" not in page  # page 3, earliest due first
    assert elapsed < 2.0, f"listing 10,000 tasks took {elapsed:.2f}s"
    last = reviewer.get("/tasks/?sort=due&desc=1").get_data(as_text=True)
    assert "批量事项 09999" in last


def test_logout_ends_the_session_even_for_a_copied_cookie(app: Flask) -> None:
    county = login(app, "county-440106")
    county.get("/tasks/")
    cookie = county.client.get_cookie("session")
    assert cookie is not None
    county.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    response = thief.get("/tasks/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
