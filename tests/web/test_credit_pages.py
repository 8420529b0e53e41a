"""Credit pages over HTTP: the public search shows published data only; the portal breakdown; rules and facts pages."""

from __future__ import annotations

import io

from flask import Flask

from engine.actors import Actor, Role
from engine.credit import rounds
from engine.demo.accounts import DEMO_ENTERPRISES
from tests.web.conftest import Browser, login

TIANHE = DEMO_ENTERPRISES[0]
PROVINCE = Actor("province", frozenset({Role.PROVINCE_REVIEWER}), "440000")


def test_the_public_search_needs_no_log_in_and_shows_only_published_ratings(browser: Browser) -> None:
    page = browser.get("/credit/public/", query_string={"q": TIANHE.credit_code})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert TIANHE.name in text and "2024" in text  # the demo's 2024 rating is published
    assert "<td>2025</td>" not in text  # the 2025 proposal is still under notice: not public
    by_level = browser.get("/credit/public/", query_string={"level": "1"}).get_data(as_text=True)
    assert TIANHE.credit_code not in by_level
    assert browser.get("/credit/public/", query_string={"level": "9"}).status_code == 422


def test_rules_page_validates_and_versions(app: Flask) -> None:
    admin = login(app, "admin")
    page = admin.get("/credit/rules/2027")
    assert page.status_code == 200 and "环发〔2013〕150号" in page.get_data(as_text=True)
    refused = admin.post("/credit/rules/2027", {"rules": '{"source": "x"}'})
    assert refused.status_code == 422 and "groups" in refused.get_data(as_text=True)
    assert login(app, "province").get("/credit/rules/2027").status_code == 403


def test_facts_import_previews_rows_and_names_errors(app: Flask) -> None:
    province = login(app, "province")
    province.get("/credit/facts")
    csv = ("统一社会信用代码,类型,日期,文号\n"
           f"{TIANHE.credit_code},penalty,2026-03-01,粤环罚〔2026〕9号\n"
           f"{TIANHE.credit_code},penalty,2026-03-01,\n"
           "not-a-code,complaint_verified,2026-13-01,\n").encode()
    preview = province.post("/credit/facts/import", {"file": (io.BytesIO(csv), "facts.csv")},
                            content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 行可导入，2 行有误" in text
    assert "第 3 行" in text and "决定书文号" in text and "第 4 行" in text


def test_an_enterprise_sees_its_own_breakdown(app: Flask) -> None:
    with app.extensions["ecoloop.sessions"].begin() as session:
        rounds.open_round(session, PROVINCE, 2022)
    page = login(app, TIANHE.credit_code).get("/portal/credit/results").get_data(as_text=True)
    assert "2022 年度" in page and "拟评价结果" in page and 'data-indicator="emergency_plan"' in page
    assert "环发〔2013〕150号" in page  # the rules' source is named
