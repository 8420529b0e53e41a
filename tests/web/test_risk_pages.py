"""环境风险源 pages: the scoped table with filters, region pages, an enterprise's page, assessment, import, rules."""

from __future__ import annotations

import io
import re

from flask import Flask

from tests.web.conftest import login

CHEMICAL_PLANT = "91440311MA00000088"   # 深圳光明化工: 氯 12 t, 氨 30 t, 甲醇 200 t → Q 5.8, assessed 重大
BAIYUN_CHEMICAL = "91440111MA0000018Y"  # 广州白云化工第一分公司: 一般 → 较大


def test_the_province_sees_every_demo_risk_source_with_q_and_band(app: Flask) -> None:
    page = login(app, "province").get("/risk-sources/").get_data(as_text=True)
    row = re.search(rf'<tr data-code="{CHEMICAL_PLANT}">(.*?)</tr>', page, re.S)
    assert row and "5.80" in row.group(1) and 'data-level="major"' in row.group(1) and ">Q1<" in row.group(1)
    assert 'data-count-level="major"' in page
    filtered = login(app, "province").get("/risk-sources/", query_string={"level": "major"}).get_data(as_text=True)
    assert re.findall(r'<tr data-code="(\w+)">', filtered) == [CHEMICAL_PLANT]
    assert login(app, "province").get("/risk-sources/", query_string={"band": "Q7"}).status_code in (400, 422)


def test_cities_and_counties_see_their_own(app: Flask) -> None:
    city = login(app, "city-440100").get("/risk-sources/").get_data(as_text=True)
    codes = re.findall(r'<tr data-code="(\w+)">', city)
    assert codes and all(code[2:6] == "4401" for code in codes) and CHEMICAL_PLANT not in codes
    county = login(app, "county-440111")
    assert all(c[2:8] == "440111" for c in re.findall(r'<tr data-code="(\w+)">', county.get("/risk-sources/").get_data(as_text=True)))
    assert county.get(f"/risk-sources/{CHEMICAL_PLANT}").status_code == 404
    region = login(app, "city-440100").get("/risk-sources/regions/440100").get_data(as_text=True)
    assert 'id="region-summary"' in region and 'data-region="440111"' in region


def test_enterprise_page_records_an_assessment_and_refuses_bad_input(app: Flask) -> None:
    county = login(app, "county-440111")
    page = county.get(f"/risk-sources/{BAIYUN_CHEMICAL}").get_data(as_text=True)
    assert 'data-substance="氯"' in page and "较大[较大-大气(Q1-M2-E1)+一般-水(Q1-M1-E3)]" in page
    bad = county.post(f"/risk-sources/{BAIYUN_CHEMICAL}/assessments", {"level": "major", "assessed_on": "2999-01-01"})
    assert bad.status_code == 422 and "评估日期" in bad.get_data(as_text=True)
    good = county.post(f"/risk-sources/{BAIYUN_CHEMICAL}/assessments", {"level": "major", "assessed_on": "2026-12-01"})
    assert good.status_code == 302
    assert 'data-level="major"' in county.get(f"/risk-sources/{BAIYUN_CHEMICAL}").get_data(as_text=True)
    enterprise = login(app, "91440106MA59C8Q0XW")
    assert enterprise.get("/risk-sources/91440106MA59C8Q0XW").status_code == 200
    assert enterprise.post("/risk-sources/91440106MA59C8Q0XW/assessments",
                           {"level": "general", "assessed_on": "2026-01-01"}).status_code == 403


def test_import_previews_then_writes(app: Flask) -> None:
    county = login(app, "county-440111")
    content = f"统一社会信用代码,物质名称,最大存在量(t)\n{BAIYUN_CHEMICAL},氯,20\n{BAIYUN_CHEMICAL},未知物,1\n".encode()
    county.get("/risk-sources/import")
    preview = county.post("/risk-sources/import", {"action": "preview", "file": (io.BytesIO(content), "s.csv")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert 'class="table-danger" data-line="3"' in preview
    refused = county.post("/risk-sources/import", {"action": "import", "file": (io.BytesIO(content), "s.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "line 3" in refused.get_data(as_text=True)
    ok = county.post("/risk-sources/import", {"action": "import", "enterprise": BAIYUN_CHEMICAL,
                                              "file": (io.BytesIO("物质名称,最大存在量(t)\n氯,20\n".encode()), "s.csv")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    page = county.get(f"/risk-sources/{BAIYUN_CHEMICAL}").get_data(as_text=True)
    assert re.findall(r'data-substance="([^"]+)"', page) == ["氯"] and "4.000" in page


def test_chemical_page_lists_the_enterprises_storing_it(app: Flask) -> None:
    browser = login(app, "province")
    search = browser.get("/emergency/search", query_string={"q": "7782-50-5"}).get_data(as_text=True)
    entry = re.search(r'href="(/emergency/entries/\d+)"', search)
    assert entry
    body = browser.get(entry.group(1)).get_data(as_text=True)
    assert 'id="storing-enterprises"' in body and f'data-code="{CHEMICAL_PLANT}"' in body
    city = login(app, "city-440100").get(entry.group(1)).get_data(as_text=True)
    assert f'data-code="{CHEMICAL_PLANT}"' not in city


def test_rules_are_shown_to_all_and_changed_by_administrators(app: Flask) -> None:
    province = login(app, "province")
    assert "HJ 941-2018" in province.get("/risk-sources/rules").get_data(as_text=True)
    assert province.post("/risk-sources/rules", {"q_band_0": "1", "q_band_1": "10", "q_band_2": "100",
                                                 "plan_revision_years": "3", "expiring_within_days": "90"}).status_code == 403
    admin = login(app, "admin")
    admin.get("/risk-sources/rules")
    bad = admin.post("/risk-sources/rules", {"q_band_0": "10", "q_band_1": "1", "q_band_2": "100",
                                             "plan_revision_years": "3", "expiring_within_days": "90"})
    assert bad.status_code == 422
    ok = admin.post("/risk-sources/rules", {"q_band_0": "1", "q_band_1": "10", "q_band_2": "100",
                                            "plan_revision_years": "3", "expiring_within_days": "60", "note": "试"})
    assert ok.status_code == 302 and 'id="rules-history"' in admin.get("/risk-sources/rules").get_data(as_text=True)


def test_operating_guides_show_as_help_on_the_pages_they_name(app: Flask) -> None:
    page = login(app, "county-440106").get("/risk-sources/").get_data(as_text=True)
    assert 'id="page-help"' in page and "环境风险源企业的查询、评估登记与风险物质导入" in page
    portal = login(app, "91440106MA59C8Q0XW").get("/portal/start/emergency_plan_filing").get_data(as_text=True)
    assert "企业网上办事：信用修复、应急预案备案、技术支持" in portal
    search = login(app, "province").get("/emergency/search", query_string={"q": "氯"}).get_data(as_text=True)
    assert "资源库检索" in search
    assert 'id="page-help"' not in login(app, "province").get("/tasks/").get_data(as_text=True)
