"""The enterprise portal: own anomalies with deadlines, submissions, evidence library; nobody else's."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from flask import Flask

from engine.db import utcnow
from engine.identity import local_users as users
from tests.web import ui_support as ui
from tests.web.conftest import login


def test_portal_lists_own_anomalies_with_countdown_and_submissions(app: Flask) -> None:
    mine = ui.ready_task(app, ui.start_case(app))
    ui.set_due(app, mine.id, utcnow() + timedelta(hours=30))
    theirs = ui.ready_task(app, ui.start_case(app, enterprise=ui.BAIYUN))
    submitted = ui.start_case(app)
    ui.walk_to(app, submitted, "county_review")
    page = login(app, ui.TIANHE.credit_code).get("/portal/").get_data(as_text=True)
    card = re.search(rf'data-task="{mine.id}".*?</div></div>', page, re.S)
    assert card and "剩余 1 天" in card.group(0) and 'class="countdown' in card.group(0)
    assert theirs.id not in page and ui.BAIYUN.credit_code not in page
    table = page[page.index('id="submissions"'):]
    assert f'/instances/{submitted}"' in table and "区县初审" in table


def test_overdue_anomalies_show_as_overdue(app: Flask) -> None:
    late = ui.ready_task(app, ui.start_case(app))
    ui.set_due(app, late.id, utcnow() - timedelta(hours=2))
    page = login(app, ui.TIANHE.credit_code).get("/portal/").get_data(as_text=True)
    card = re.search(rf'todo-card mb-2 (\w*)" data-task="{late.id}"', page)
    assert card and card.group(1) == "overdue"
    assert "已逾期" in page


def test_reviewers_have_no_portal(app: Flask) -> None:
    assert login(app, "county-440106").get("/portal/").status_code == 403


def test_evidence_library_upload_and_listing(app: Flask) -> None:
    clerk = login(app, ui.TIANHE.credit_code)
    clerk.get("/portal/evidence")
    response = clerk.post("/portal/evidence", {"file": (io.BytesIO(ui.PDF + b"% portal\n"), "停产证明.pdf")},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    page = clerk.get("/portal/evidence").get_data(as_text=True)
    assert "停产证明.pdf" in page and "application/pdf" in page
    other = login(app, ui.BAIYUN.credit_code).get("/portal/evidence").get_data(as_text=True)
    assert "停产证明.pdf" not in other
    refused = clerk.post("/portal/evidence", {"file": (io.BytesIO(b"MZ\x90\x00"), "x.pdf")},
                         content_type="multipart/form-data")
    assert refused.status_code == 415


def test_phone_layout_keeps_the_portal_readable(app: Flask) -> None:
    page = login(app, ui.TIANHE.credit_code).get("/portal/").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'class="col-lg-8"' in page and 'class="navbar-toggler' in page


def test_credit_rating_under_notice_can_be_objected_to_from_the_portal(app: Flask) -> None:
    from engine.actors import Role
    from engine.credit import ratings
    from engine.demo.accounts import ADMIN
    from engine.demo.monitoring import credit_code

    code = credit_code("440106", 7777)
    with ui.sessions(app).begin() as session:
        users.create(session, code, "demo", [Role.ENTERPRISE], region_code="440106", enterprise_code=code,
                     display_name="广州天河信用测试有限公司", is_demo=True)
        ratings.propose(session, ADMIN, year=2031, title="2031 年度企业环境信用拟评价结果公示", region_code="440100",
                        notice_days=10, ratings=[ratings.ProposedRating(code, "广州天河信用测试有限公司", "440106", 3)])
    clerk = login(app, code)
    page = clerk.get("/portal/").get_data(as_text=True)
    credit = page[page.index('id="credit"'):page.index('id="credit"') + 3000]
    assert "2031 年度拟评价结果公示中" in credit and "环保警示企业" in credit and 'id="object-button"' in credit
    form = clerk.get("/portal/credit/objection").get_data(as_text=True)
    assert 'id="objection-form"' in form
    empty = clerk.post("/portal/credit/objection", {"reasons": ""})
    assert empty.status_code == 422 and "此项为必填项" in empty.get_data(as_text=True)
    uploaded = clerk.client.post("/evidence/", data={"file": (io.BytesIO(ui.PDF + b"% objection\n"), "整改报告.pdf")},
                                 headers={"X-CSRFToken": clerk.token, "Accept": "application/json"})
    response = clerk.post("/portal/credit/objection", {"reasons": "处罚已撤销，应维持良好等级。", "requested_level": "2",
                                                        "evidence": str(uploaded.get_json()["id"])})
    assert response.status_code == 302 and "/instances/" in response.headers["Location"]
    after = clerk.get("/portal/").get_data(as_text=True)
    assert "异议办理中" in after and 'id="object-button"' not in after
