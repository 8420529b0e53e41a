"""The reviewer and enterprise pages over HTTP: scoping, forms with errors, CSRF, escaping, evidence."""

from __future__ import annotations

import io
import re

from flask import Flask

from engine.demo import DEMO_ENTERPRISES
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
    assert city == set()  # nothing has reached the city yet; county tasks are not the city's to work


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
