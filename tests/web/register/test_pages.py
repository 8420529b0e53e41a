"""Register pages: scoped search paginated in SQL, the 一企一档 page, admin forms, import preview/confirm/error file."""

from __future__ import annotations

import io

from flask import Flask
from openpyxl import load_workbook

from engine.demo.bootstrap import DEMO_ENTERPRISES
from tests.engine.register.samples import BAD_CHECK, enterprise_row, point_row, register_file
from tests.web.conftest import Browser, login

TIANHE, BAIYUN = DEMO_ENTERPRISES[0].credit_code, DEMO_ENTERPRISES[1].credit_code


def test_a_county_reviewer_searches_its_county_and_reads_the_enterprise_page(app: Flask) -> None:
    county = login(app, "county-440106")
    page = county.get("/register/", query_string={"q": "天河"}).get_data(as_text=True)
    assert TIANHE in page and BAIYUN not in page
    dossier = county.get(f"/register/enterprises/{TIANHE}")
    assert dossier.status_code == 200 and "一企一档" in dossier.get_data(as_text=True)
    assert 'id="points"' in dossier.get_data(as_text=True)
    assert county.get(f"/register/enterprises/{BAIYUN}").status_code == 404
    assert county.get(f"/register/enterprises/{TIANHE}/edit").status_code == 403
    assert county.get("/register/import").status_code == 403


def test_search_is_paginated(app: Flask) -> None:
    admin = login(app, "admin")
    first = admin.get("/register/", query_string={"page": 2, "per_page": 10}).get_data(as_text=True)
    assert "第 2 / " in first and first.count("/register/enterprises/91") == 10
    assert "page=3" in first


def test_admin_edits_an_enterprise_and_a_refused_value_names_the_reason(app: Flask) -> None:
    admin = login(app, "admin")
    form = admin.get(f"/register/enterprises/{TIANHE}/edit").get_data(as_text=True)
    assert 'name="version"' in form
    version = form.split('name="version" value="')[1].split('"')[0]
    bad = admin.post("/register/enterprises", {"统一社会信用代码": TIANHE, "行政区划代码": "449999", "create": "0",
                                               "version": version})
    assert bad.status_code == 422 and "449999" in bad.get_data(as_text=True) and "未知（须为广东省" in bad.get_data(as_text=True)
    good = admin.post("/register/enterprises", {"统一社会信用代码": TIANHE, "环境风险等级": "重大",
                                                "重点排污单位名录": "2026:水,大气", "create": "0", "version": version})
    assert good.status_code == 302
    page = admin.get(f"/register/enterprises/{TIANHE}").get_data(as_text=True)
    assert "重大" in page and "2026 大气" in page


def test_import_page_previews_confirms_and_offers_the_error_file(app: Flask) -> None:
    admin = login(app, "admin")
    admin.get("/register/import")
    data = register_file([enterprise_row(BAD_CHECK, "坏代码公司", "440106"),
                          enterprise_row("91440106MA5PAGE01" + _check("91440106MA5PAGE01"), "页面导入公司", "440106")],
                         [point_row("PAGE0001", TIANHE, "a21026|mg/m³|35")])
    preview = admin.post("/register/import", {"file": (io.BytesIO(data), "名录.xlsx")},
                         content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "校验位错误" in text and 'id="count-add">2<' in text
    token = text.split("/register/import/")[1].split("/")[0]
    assert admin.get("/register/", query_string={"q": "页面导入公司"}).get_data(as_text=True).count("页面导入公司") == 1
    confirmed = admin.post(f"/register/import/{token}/confirm")
    assert confirmed.status_code == 302 and "refused=" in confirmed.headers["Location"]
    errors = admin.client.get(f"/register/import/{token}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(errors.data)).worksheets[0]
    assert sheet.cell(2, 1).value == "2" and "校验位错误" in sheet.cell(2, 2).value
    listed = admin.get("/register/", query_string={"q": "页面导入公司"}).get_data(as_text=True)
    assert "/register/enterprises/91440106MA5PAGE01" in listed


def _check(body: str) -> str:
    from stdnum.cn import uscc

    return str(uscc.calc_check_digit(body))


def test_admin_creates_an_enterprise_login_whose_password_is_shown_once(app: Flask) -> None:
    code = "91440106MA00000011"  # a generated demo enterprise without a log-in
    admin = login(app, "admin")
    admin.get(f"/register/enterprises/{code}")
    page = admin.post(f"/register/enterprises/{code}/account")
    assert page.status_code == 200
    password = page.get_data(as_text=True).split("初始密码：<code>")[1].split("</code>")[0]
    assert Browser(app.test_client()).login(code, password).status_code == 302
    assert admin.post(f"/register/enterprises/{code}/account").status_code == 409
