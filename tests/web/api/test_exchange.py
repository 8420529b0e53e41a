"""Monitoring, credit and tax exchange through the API, each scoped like the rest."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from engine.credit.models import CreditObjection, CreditRating
from tests.web.api.conftest import BAIYUN, TIANHE, login, machine

REVIEW = {"region_code": "440106", "enterprise_code": TIANHE.credit_code,
          "data": {"request_no": "TAX-2026-0001", "tax_period": "2026-10", "reason": "abnormal_return",
                   "reported": [{"pollutant": "SO2", "emission_kg": 12.5}]}}


def _first(app: Flask, query: Any) -> Any:
    with app.extensions["ecoloop.sessions"]() as session:
        return session.scalars(query).first()


def test_ingest_answers_one_result_per_packet(app: Flask) -> None:
    admin = login(app, "admin")
    response = admin.post("/api/v1/ingest/hj212", data="not a packet\n\n##0101QN=2026\n", json=None,
                          headers={"Content-Type": "text/plain"})
    results = response.get_json()
    assert response.status_code == 200 and len(results) == 2
    assert [r["outcome"] for r in results] == ["refused", "refused"] and results[0]["reason"] == "bad_frame"
    empty = admin.post("/api/v1/ingest/hj212", data="\n", json=None, headers={"Content-Type": "text/plain"})
    assert empty.status_code == 422 and "body" in empty.get_json()["errors"]


def test_anomalies_are_scoped(app: Flask) -> None:
    everything = login(app, "admin").get("/api/v1/anomalies", query_string={"per_page": 200}).get_json()
    tianhe = login(app, "county-440106").get("/api/v1/anomalies", query_string={"per_page": 200}).get_json()
    assert tianhe["total"] and {a["region_code"] for a in tianhe["items"]} == {"440106"}
    foreign = next(a for a in everything["items"] if a["region_code"] != "440106")
    assert login(app, "county-440106").get(f"/api/v1/anomalies/{foreign['id']}").status_code == 404
    own = tianhe["items"][0]
    assert login(app, "county-440106").get(f"/api/v1/anomalies/{own['id']}").get_json() == own
    assert login(app, BAIYUN.credit_code).get(f"/api/v1/anomalies/{own['id']}").status_code == 404


def test_tax_client_requests_a_review_and_reads_the_result(app: Flask) -> None:
    tax_client, _ = machine(app, "tax-exchange", "tax_client")
    started = tax_client.post("/api/v1/tax/review-requests", REVIEW)
    assert started.status_code == 201, started.get_json()
    assert started.headers["Location"].endswith("/api/v1/tax/review-requests/TAX-2026-0001")
    result = tax_client.get("/api/v1/tax/review-requests/TAX-2026-0001").get_json()
    assert result["status"] == "open" and result["instance_id"] == started.get_json()["id"]
    assert tax_client.post("/api/v1/tax/review-requests", REVIEW).status_code == 409
    assert login(app, "county-440111").get("/api/v1/tax/review-requests/TAX-2026-0001").status_code == 404
    assert login(app, "county-440106").post("/api/v1/tax/review-requests", REVIEW).status_code == 403
    figures = tax_client.get("/api/v1/tax/monitoring-figures",
                             query_string={"enterprise": TIANHE.credit_code, "period": "2026-10"})
    assert figures.status_code == 200 and figures.get_json()["enterprise_code"] == TIANHE.credit_code
    outsider = login(app, "county-440111").get("/api/v1/tax/monitoring-figures",
                                                query_string={"enterprise": TIANHE.credit_code, "period": "2026-10"})
    assert outsider.status_code == 404


def test_credit_rating_and_objection_are_scoped(app: Flask) -> None:
    rating_id = _first(app, select(CreditRating.id).where(CreditRating.enterprise_code == TIANHE.credit_code))
    objection = _first(app, select(CreditObjection.instance_id)
                       .where(CreditObjection.enterprise_code == TIANHE.credit_code))
    clerk = login(app, TIANHE.credit_code)
    assert clerk.get(f"/api/v1/credit/ratings/{rating_id}").get_json()["enterprise_code"] == TIANHE.credit_code
    assert clerk.get(f"/api/v1/credit/ratings/{rating_id}/history").get_json()
    assert clerk.get(f"/api/v1/credit/objections/{objection}").get_json()["enterprise_code"] == TIANHE.credit_code
    for outsider in (BAIYUN.credit_code, "county-440111"):
        other = login(app, outsider)
        assert other.get(f"/api/v1/credit/ratings/{rating_id}").status_code == 404
        assert other.get(f"/api/v1/credit/objections/{objection}").status_code == 404
