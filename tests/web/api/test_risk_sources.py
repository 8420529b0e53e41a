"""The risk-sources API: scoped reads, filters, substances and assessments for the covering bureaus, field errors."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.api.conftest import login

CHEMICAL_PLANT = "91440311MA00000088"
BAIYUN_CHEMICAL = "91440111MA0000018Y"


def test_reads_are_scoped_and_filtered(app: Flask) -> None:
    province = login(app, "province").get("/api/v1/risk-sources", query_string={"level": "major"}).get_json()
    assert [r["credit_code"] for r in province["rows"]] == [CHEMICAL_PLANT]
    row = province["rows"][0]
    assert row["q"] == pytest.approx(5.8) and row["band"] == "Q1" and row["plan"]["status"] == "none"
    city = login(app, "city-440100").get("/api/v1/risk-sources").get_json()
    assert city["total"] > 0 and all(r["region_code"].startswith("4401") for r in city["rows"])
    assert login(app, "city-440100").get(f"/api/v1/risk-sources/{CHEMICAL_PLANT}").status_code == 404
    bad = login(app, "province").get("/api/v1/risk-sources", query_string={"plan_status": "lost"})
    assert bad.status_code == 422 and "plan_status" in str(bad.get_json())
    detail = login(app, "province").get(f"/api/v1/risk-sources/{CHEMICAL_PLANT}").get_json()
    assert {s["name"] for s in detail["substances"]} == {"氯", "氨", "甲醇"}
    assert detail["assessments"][0]["expression"].startswith("重大[")


def test_covering_bureau_writes_substances_and_assessments(app: Flask) -> None:
    county = login(app, "county-440111")
    body = {"substances": [{"name": "氯", "max_quantity_t": 10}, {"name": "硫化氢", "max_quantity_t": 1}]}
    saved = county.put(f"/api/v1/risk-sources/{BAIYUN_CHEMICAL}/substances", json=body)
    assert saved.status_code == 200 and [s["critical_quantity_t"] for s in saved.get_json()] == [5, 5]
    again = county.put(f"/api/v1/risk-sources/{BAIYUN_CHEMICAL}/substances", json=body)
    assert again.get_json() and len(again.get_json()) == 2
    detail = county.get(f"/api/v1/risk-sources/{BAIYUN_CHEMICAL}").get_json()
    assert detail["source"]["q"] == pytest.approx(2.2) and detail["may_write"] is True
    bad = county.put(f"/api/v1/risk-sources/{BAIYUN_CHEMICAL}/substances",
                     json={"substances": [{"name": "苯", "cas": "71-43-3", "max_quantity_t": 1}]})
    assert bad.status_code == 422 and "substances[1].cas" in str(bad.get_json())
    assessed = county.post(f"/api/v1/risk-sources/{BAIYUN_CHEMICAL}/assessments",
                           json={"level": "major", "assessed_on": "2026-12-01"})
    assert assessed.status_code == 201 and assessed.get_json()["previous_level"] == "larger"
    assert login(app, "county-440106").put(f"/api/v1/risk-sources/{BAIYUN_CHEMICAL}/substances",
                                           json=body).status_code == 404
    enterprise = login(app, "91440106MA59C8Q0XW")
    assert enterprise.post("/api/v1/risk-sources/91440106MA59C8Q0XW/assessments",
                           json={"level": "major", "assessed_on": "2026-12-01"}).status_code == 403
