"""Credit feeds through the API: published levels for the tax side, the random-inspection special class."""

from __future__ import annotations

from flask import Flask

from tests.web.api.conftest import BAIYUN, TIANHE, login, machine


def test_the_tax_side_reads_published_levels_only(app: Flask) -> None:
    tax_client, _ = machine(app, "tax-feeds", "tax_client")
    rows = tax_client.get("/api/v1/credit/published", query_string={"enterprise": TIANHE.credit_code}).get_json()
    assert [(r["year"], r["colour"]) for r in rows] == [(2024, "yellow")]  # 2025 is still under notice
    year = tax_client.get("/api/v1/credit/published", query_string={"year": 2025}).get_json()
    assert year == []
    special = {r["enterprise_code"]: r["level"] for r in tax_client.get("/api/v1/credit/special-class").get_json()}
    assert special == {TIANHE.credit_code: 3, BAIYUN.credit_code: 4}
    assert login(app, TIANHE.credit_code).get("/api/v1/credit/published").status_code == 403
    assert tax_client.get("/api/v1/credit/published", query_string={"year": 1900}).status_code == 422
