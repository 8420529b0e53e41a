"""The tax exchange over HTTP in an app built by ``create_app``: the monitoring-figures feed, every category's
round trip (push, resend, correction with history, refusals with reasons; publish, pull since a cursor), the
sync status and the schedule."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from engine.credit.models import CreditFact
from engine.exchange import canonical, jobs, schedule
from engine.exchange.models import (
    ExchangeBatch,
    ExchangeRecord,
    ExchangeRecordVersion,
    TaxPayment,
    TaxReturn,
    TaxTaxpayer,
)
from engine.monitoring.models import Measurement, MonitoringPoint
from engine.tax.models import TaxReview
from tests.web.api.conftest import TIANHE, ApiClient, login, machine
from tests.web.conftest import login as browser_login

CHINA = timezone(timedelta(hours=8))
AIR_MN, WATER_MN = "440106000000000000000001", "440106000000000000000002"
MONTH = "2025-03"
BAD_CODE = TIANHE.credit_code[:-1] + ("0" if TIANHE.credit_code[-1] != "0" else "1")


def _sessions(app: Flask) -> Any:
    return app.extensions["ecoloop.sessions"]


def _count(app: Flask, model: Any, *where: Any) -> int:
    with _sessions(app)() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _measure(app: Flask, mn: str, cn: str, moments: list[tuple[datetime, dict[str, Any]]]) -> None:
    with _sessions(app).begin() as session:
        point_id = session.scalar(select(MonitoringPoint.id).where(MonitoringPoint.mn == mn))
        session.execute(delete(Measurement).where(Measurement.point_id == point_id, Measurement.cn == cn,
                                                  Measurement.data_time.in_([m for m, _ in moments])))
        session.add_all(Measurement(point_id=point_id, cn=cn, data_time=moment, factors=factors,
                                    n_factors=len(factors), n_valid=len(factors), qn=None, received_at=moment,
                                    delay_s=0) for moment, factors in moments)


def _hour(day: int, hour: int) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=CHINA)


def test_monitoring_figures_feed_works_in_an_app_from_create_app(app: Flask) -> None:
    flow = {"a00000": {"avg": 2.0, "flag": "N"}}
    _measure(app, AIR_MN, "2061", [
        (_hour(3, 1), {"a21026": {"avg": 10.0, "flag": "N"}, **flow}),
        (_hour(3, 2), {"a21026": {"avg": 20.0, "flag": "N"}, **flow}),
        (_hour(3, 3), {"a21026": {"avg": 999.0, "flag": "M"}, **flow}),  # maintenance: not valid data
        (_hour(4, 1), {"a21026": {"avg": 30.0, "zs_avg": 30.0, "flag": "N"}, **flow})])
    _measure(app, WATER_MN, "2031", [
        (_hour(5, 0), {"w01018": {"avg": 30.0, "flag": "N"}, "w00000": {"avg": 10.0, "flag": "N"}}),
        (_hour(6, 0), {"w01018": {"avg": 50.0, "cou": 40.0, "flag": "N"}, "w00000": {"avg": 10.0, "flag": "N"}})])
    tax_client, _ = machine(app, "tax-figures", "tax_client")
    response = tax_client.get("/api/v1/tax/monitoring-figures",
                              query_string={"enterprise": TIANHE.credit_code, "period": MONTH})
    body = response.get_json()
    assert response.status_code == 200 and body["available"] is True
    figures = {(p["mn"], p["factor"]): p for p in body["figures"]["points"]}
    so2 = figures[(AIR_MN, "a21026")]
    assert (so2["basis"], so2["mean_concentration"], so2["valid_days"], so2["valid_values"]) == ("hourly", 20.0, 2, 3)
    assert so2["emission_kg"] == pytest.approx((10 + 20 + 30) * 2.0 * 3600 * 1e-6)
    assert so2["flags"] == {"M": 1} and so2["outlet_code"] == "DA001"
    cod = figures[(WATER_MN, "w01018")]
    assert (cod["basis"], cod["mean_concentration"], cod["valid_days"]) == ("daily", 40.0, 2)
    assert cod["emission_kg"] == pytest.approx(30 * 10 * 86400 * 1e-6 + 40.0)  # the station's cou where sent

    started = tax_client.post("/api/v1/tax/review-requests", {
        "region_code": "440106", "enterprise_code": TIANHE.credit_code,
        "data": {"request_no": "FIG-2025-03", "tax_period": MONTH, "reason": "abnormal_return",
                 "reported": [{"pollutant": "a21026", "emission_kg": 0.1}]}})
    assert started.status_code == 201, started.get_json()
    review = tax_client.get("/api/v1/tax/review-requests/FIG-2025-03").get_json()
    attached = {(p["mn"], p["factor"]): p for p in review["monitoring_figures"]["points"]}
    assert attached[(AIR_MN, "a21026")]["mean_concentration"] == 20.0


def batch(category: str, batch_no: str, sequence: int, records: list[dict[str, Any]],
          period: str = MONTH) -> dict[str, Any]:
    return {"batch_no": batch_no, "category": category, "period": period, "sequence": sequence,
            "record_count": len(records), "checksum": canonical.checksum(records), "records": records}


def push(client: ApiClient, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.post("/api/v1/exchange/batches", body)
    assert response.status_code == status, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def outcomes(answer: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [(r["key"], r["outcome"], [f"{p['field']}:{p['reason']}" for p in r["problems"]])
            for r in answer["records"]]


TAXPAYER = {"credit_code": TIANHE.credit_code, "name": "广州天河环保热电有限公司", "region_code": "440106",
            "tax_authority": "国家税务总局广州市天河区税务局"}
SOURCE = {"source_no": "SY440106001", "credit_code": TIANHE.credit_code, "outlet_code": "DA001",
          "pollutant_kind": "air", "pollutant_code": "a21026", "method": "automatic", "valid_from": "2024-01-01"}
RETURN = {"return_no": "SB202503001", "credit_code": TIANHE.credit_code, "source_no": "SY440106001",
          "outlet_code": "DA001", "pollutant_code": "a21026", "month": MONTH, "concentration": 18.5,
          "concentration_unit": "mg/m3", "emission": 1.2, "emission_unit": "t", "equivalents": 1263.16,
          "tax_amount": "1515.79", "declared_on": "2025-04-14"}
PAYMENT = {"payment_no": "RK202504001", "credit_code": TIANHE.credit_code, "return_no": "SB202503001",
           "tax_period": MONTH, "amount": "1515.79", "paid_on": "2025-04-15"}


def test_tax_side_categories_round_trip(app: Flask) -> None:
    tax, _ = machine(app, "tax-bureau", "tax_client")
    answer = push(tax, batch("taxpayers", "NSR-0001", 1, [
        TAXPAYER, {**TAXPAYER, "credit_code": BAD_CODE}, {**TAXPAYER, "credit_code": "914401060000000000"[:17] + "X",
                                                          "region_code": "999999"}]))
    assert (answer["status"], answer["accepted"], answer["refused"]) == ("partial", 1, 2)
    assert outcomes(answer)[1] == (BAD_CODE, "refused", ["credit_code:credit_code_check"])
    assert answer["records"][1]["problems"][0]["message"]
    resent = push(tax, batch("taxpayers", "NSR-0001", 1, [
        TAXPAYER, {**TAXPAYER, "credit_code": BAD_CODE}, {**TAXPAYER, "credit_code": "914401060000000000"[:17] + "X",
                                                          "region_code": "999999"}]), status=200)
    assert resent["resent"] is True and resent["records"] == answer["records"]
    assert _count(app, TaxTaxpayer) == 1 and _count(app, ExchangeBatch, ExchangeBatch.batch_no == "NSR-0001") == 1

    push(tax, batch("tax_sources", "SY-0001", 1, [SOURCE]))
    answer = push(tax, batch("tax_returns", "SB-0001", 1, [
        RETURN, {**RETURN, "return_no": "SB202503002", "concentration_unit": "mg/L"},
        {**RETURN, "return_no": "SB202503003", "source_no": "SY-UNKNOWN"},
        {**RETURN, "return_no": "SB202503004", "outlet_code": "DA009"},
        {**RETURN, "return_no": "SB202503005", "month": "2099-01", "emission": -1}]))
    assert outcomes(answer) == [
        ("SB202503001/SY440106001/2025-03", "stored", []),
        ("SB202503002/SY440106001/2025-03", "refused", ["concentration_unit:unit_mismatch"]),
        ("SB202503003/SY-UNKNOWN/2025-03", "refused", ["source_no:unknown_source"]),
        ("SB202503004/SY440106001/2025-03", "refused", ["outlet_code:unknown_outlet"]),
        ("SB202503005/SY440106001/2099-01", "refused", ["emission:invalid"])]
    with _sessions(app)() as session:
        stored = session.scalars(select(TaxReturn)).one()
        assert (stored.emission_kg, str(stored.tax_amount), stored.version) == (1200.0, "1515.79", 1)

    corrected = push(tax, batch("tax_returns", "SB-0002", 2, [{**RETURN, "emission": 1.5, "tax_amount": "1894.74"}]))
    assert outcomes(corrected) == [("SB202503001/SY440106001/2025-03", "corrected", [])]
    assert corrected["records"][0]["version"] == 2
    unchanged = push(tax, batch("tax_returns", "SB-0003", 3, [{**RETURN, "emission": 1.5, "tax_amount": "1894.74"}]))
    assert (unchanged["unchanged"], unchanged["accepted"]) == (1, 0)
    with _sessions(app)() as session:
        row = session.scalars(select(TaxReturn)).one()
        assert (row.emission_kg, row.version) == (1500.0, 2)
        (old,) = session.scalars(select(ExchangeRecordVersion).where(
            ExchangeRecordVersion.category == "tax_returns")).all()
        assert (old.version, old.payload["emission_kg"], old.payload["tax_amount"]) == (1, 1200.0, "1515.79")

    paid = push(tax, batch("tax_payments", "RK-0001", 1, [PAYMENT, {**PAYMENT, "payment_no": "RK2", "return_no": "X"}]))
    assert outcomes(paid)[1][2] == ["return_no:unknown_return"] and _count(app, TaxPayment) == 1

    conflict = tax.post("/api/v1/exchange/batches", batch("tax_payments", "RK-0001", 1, [{**PAYMENT, "amount": "1"}]))
    assert conflict.status_code == 409
    broken = {**batch("tax_payments", "RK-0002", 2, [PAYMENT]), "checksum": "0" * 64}
    refused = tax.post("/api/v1/exchange/batches", broken)
    assert refused.status_code == 422 and "checksum" in refused.get_json()["errors"]
    miscounted = {**batch("tax_payments", "RK-0003", 3, [PAYMENT]), "record_count": 2}
    assert "record_count" in tax.post("/api/v1/exchange/batches", miscounted).get_json()["errors"]
    wrong_side = tax.post("/api/v1/exchange/batches", batch("penalties", "X-1", 1, [PAYMENT]))
    assert wrong_side.status_code == 422 and "category" in wrong_side.get_json()["errors"]
    assert login(app, "county-440106").post("/api/v1/exchange/batches",
                                            batch("taxpayers", "NSR-9", 9, [TAXPAYER])).status_code == 403


def test_review_requests_arrive_in_batches(app: Flask) -> None:
    tax, _ = machine(app, "tax-reviews", "tax_client")
    request = {"request_no": "FH-2025-0001", "credit_code": TIANHE.credit_code, "tax_period": MONTH,
               "reason": "abnormal_return", "reported": [{"pollutant": "a21026", "emission_kg": 12.5}]}
    answer = push(tax, batch("review_requests", "FH-B1", 1, [
        request, {**request, "request_no": "FH-2025-0002", "credit_code": "91440300568520498A"}]))
    assert outcomes(answer) == [("FH-2025-0001", "stored", []),
                                ("FH-2025-0002", "refused", ["credit_code:unknown_enterprise"])]
    with _sessions(app)() as session:
        review = session.scalars(select(TaxReview).where(TaxReview.request_no == "FH-2025-0001")).one()
        assert review.region_code == "440106" and review.monitoring_figures is not None
    again = push(tax, batch("review_requests", "FH-B2", 2, [request, {**request, "request_no": "FH-2025-0001",
                                                                       "reason": "late_filing"}]))
    assert [o[1] for o in outcomes(again)] == ["unchanged", "refused"]
    assert _count(app, TaxReview, TaxReview.request_no == "FH-2025-0001") == 1


def _pull_all(client: ApiClient, category: str, cursor: str = "") -> tuple[list[dict[str, Any]], str]:
    records: list[dict[str, Any]] = []
    while True:
        page = client.get(f"/api/v1/exchange/records/{category}", query_string={"cursor": cursor, "limit": 2})
        assert page.status_code == 200, page.get_json()
        body = page.get_json()
        records += body["records"]
        cursor = body["cursor"]
        if not body["more"]:
            return records, cursor


def test_environment_side_categories_round_trip(app: Flask) -> None:
    admin = login(app, "admin")
    result = {"report_no": "JC-2025-031", "credit_code": TIANHE.credit_code, "outlet_code": "DW002",
              "pollutant_code": "w01018", "sampled_on": "2025-03-12", "concentration": 62.0, "unit": "mg/L",
              "limit": 50.0, "station": "广州市生态环境监测中心站"}
    entered = admin.post("/api/v1/exchange/supervisory-results", {"rows": [result]})
    assert entered.status_code == 201, entered.get_json()
    bad = admin.post("/api/v1/exchange/supervisory-results", {"rows": [{**result, "unit": "ppm"}]})
    assert bad.status_code == 422 and "rows.0.unit" in bad.get_json()["errors"]
    with _sessions(app).begin() as session:
        session.add(CreditFact(enterprise_code=TIANHE.credit_code, kind="penalty", occurred_on=date(2025, 3, 20),
                               reference="穗环罚〔2025〕31号", description="废气超标排放", source="test",
                               entered_by="admin"))
        jobs_sessions = _sessions(app)
    assert jobs.publish(jobs_sessions) > 0
    assert jobs.publish(jobs_sessions) == 0  # nothing changed: nothing offered again

    tax, _ = machine(app, "tax-puller", "tax_client")
    cursors = {}
    for category in ("online_monitoring", "supervisory_monitoring", "permits", "penalties", "review_feedback"):
        records, cursors[category] = _pull_all(tax, category)
        keys = [r["key"] for r in records]
        assert len(keys) == len(set(keys))
        if category != "review_feedback":
            assert records, category
        assert _pull_all(tax, category, cursors[category])[0] == []
    supervisory, _ = _pull_all(tax, "supervisory_monitoring")
    assert supervisory[0]["payload"]["exceeded"] is True and supervisory[0]["version"] == 1
    penalties, _ = _pull_all(tax, "penalties")
    assert any(r["payload"]["reference"] == "穗环罚〔2025〕31号" for r in penalties)
    permits, _ = _pull_all(tax, "permits")
    tianhe = next(r for r in permits if r["key"] == TIANHE.credit_code)
    assert {o["outlet_code"] for o in tianhe["payload"]["outlets"]} == {"DA001", "DW002"}

    assert admin.post("/api/v1/exchange/supervisory-results",
                      {"rows": [{**result, "concentration": 45.0}]}).status_code == 201
    jobs.publish(jobs_sessions)
    changed, _ = _pull_all(tax, "supervisory_monitoring", cursors["supervisory_monitoring"])
    assert [(r["key"], r["version"], r["payload"]["exceeded"]) for r in changed] == [
        ("JC-2025-031/DW002/w01018", 2, False)]
    assert _count(app, ExchangeRecordVersion, ExchangeRecordVersion.category == "supervisory_monitoring") == 1
    assert _count(app, ExchangeRecord, ExchangeRecord.category == "supervisory_monitoring") == 1
    assert tax.get("/api/v1/exchange/records/penalties", query_string={"cursor": "x"}).status_code == 422
    assert login(app, "county-440106").get("/api/v1/exchange/records/penalties").status_code == 403
    with _sessions(app)() as session:
        pulled = session.scalars(select(ExchangeBatch).where(ExchangeBatch.direction == "out")).all()
        assert pulled and all(b.status == "sent" and b.sent_at is not None for b in pulled)


def test_status_and_schedule(app: Flask) -> None:
    admin = login(app, "admin")
    statuses = admin.get("/api/v1/exchange/status").get_json()
    assert [s["category"] for s in statuses][:5] == ["review_requests", "taxpayers", "tax_sources", "tax_returns",
                                                     "tax_payments"]
    assert len(statuses) == 10 and all("lag_hours" in s and "late" in s for s in statuses)
    schedule = admin.get("/api/v1/exchange/schedule").get_json()
    rules = schedule["rules"]
    rules["refusal_share"] = 0.1
    changed = admin.client.put("/api/v1/exchange/schedule", json={"rules": rules, "note": "按新协议"},
                               headers={"Authorization": f"Bearer {admin.token}"})
    assert changed.status_code == 200 and changed.get_json()["version"] == schedule["version"] + 1
    broken = admin.client.put("/api/v1/exchange/schedule", json={"rules": {**rules, "refusal_share": 3}, "note": "x"},
                              headers={"Authorization": f"Bearer {admin.token}"})
    assert broken.status_code == 422 and "refusal_share" in broken.get_json()["errors"]
    county = login(app, "county-440106")
    assert county.get("/api/v1/exchange/status").status_code == 200
    denied = county.client.put("/api/v1/exchange/schedule", json={"rules": rules, "note": "x"},
                               headers={"Authorization": f"Bearer {county.token}"})
    assert denied.status_code == 403
    assert login(app, TIANHE.credit_code).get("/api/v1/exchange/status").status_code == 403


def test_openapi_describes_every_category_record(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for name in ("TaxpayerRecord", "TaxSourceRecord", "TaxReturnRecord", "TaxPaymentRecord", "ReviewRequestRecord",
                 "OnlineMonitoringRecord", "SupervisoryMonitoringRecord", "PermitRecord", "PenaltyRecord",
                 "ReviewFeedbackRecord"):
        assert schemas[name]["properties"], name
    assert "credit_code" in schemas["TaxReturnRecord"]["required"]
    assert "/api/v1/exchange/batches" in document["paths"]


def test_status_page_shows_every_category_and_saves_the_schedule(app: Flask) -> None:
    admin = browser_login(app, "admin")
    page = admin.get("/exchange/status")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('data-category="') == 10 and "纳税人基础信息" in html
    with _sessions(app)() as session:
        rules = schedule.current(session).rules
    saved = admin.post("/exchange/schedule", {"rules": json.dumps({**rules, "max_age_months": 36}), "note": "缩短"})
    assert saved.status_code == 302
    with _sessions(app)() as session:
        assert schedule.current(session).max_age_months == 36
    refused = admin.post("/exchange/schedule", {"rules": "{", "note": "x"})
    assert refused.status_code == 302
    with _sessions(app)() as session:
        assert schedule.current(session).max_age_months == 36
    county = browser_login(app, "county-440106")
    assert 'name="rules"' not in county.get("/exchange/status").get_data(as_text=True)
    assert county.post("/exchange/schedule", {"rules": json.dumps(rules), "note": "x"}).status_code == 403
    assert browser_login(app, TIANHE.credit_code).get("/exchange/status").status_code == 403
