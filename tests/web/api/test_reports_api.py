"""The reports API: queue, follow, download within scope; bad input names its field."""

from __future__ import annotations

import time
from io import BytesIO

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from engine.credit.models import CreditRating
from tests.web.api.conftest import TIANHE, login


def _wait(client, location: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run = client.get(location).get_json()
        if run["status"] in ("done", "failed"):
            return run  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError("report not generated in time")


def test_city_queues_and_downloads_credit_results(app: Flask) -> None:
    city = login(app, "city-440100")
    response = city.post("/api/v1/reports", json={"kind": "credit_results", "period": "2024"})
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    run = _wait(city, location)
    assert run["status"] == "done" and run["region_code"] == "440100" and run["filename"].endswith(".xlsx")
    assert run["id"] in [r["id"] for r in city.get("/api/v1/reports").get_json()]
    file = city.get(f"{location}/file")
    assert file.status_code == 200
    sheet = load_workbook(BytesIO(file.data))["信用评价结果"]
    codes = [sheet.cell(r, 3).value for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value != "合计"]
    with app.extensions["ecoloop.sessions"]() as session:
        expected = list(session.scalars(select(CreditRating.enterprise_code).where(
            CreditRating.year == 2024, CreditRating.status == "published", CreditRating.region_code.startswith("4401"))
            .order_by(CreditRating.region_code, CreditRating.enterprise_code)))
    assert expected and codes == expected  # the demo's published 2024 ratings in Guangzhou
    county = login(app, "county-440106")
    assert county.get(location).status_code == 404
    assert county.get(f"{location}/file").status_code == 404


def test_refusals(app: Flask) -> None:
    city = login(app, "city-440100")
    bad = city.post("/api/v1/reports", json={"kind": "monthly", "period": "2026-13"})
    assert bad.status_code == 422 and "period" in bad.get_data(as_text=True)
    unknown = city.post("/api/v1/reports", json={"kind": "nope", "period": "2026-10"})
    assert unknown.status_code == 422 and "kind" in unknown.get_json()["errors"]
    enterprise = login(app, TIANHE.credit_code)
    assert enterprise.post("/api/v1/reports", json={"kind": "monthly", "period": "2026-10"}).status_code == 403
    assert city.get("/api/v1/reports/999999").status_code == 404
