"""``/api/v1/exchange`` matching and data inspection: scoping, resolutions, findings, verification, rules, runs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask

from engine.exchange.datacheck.rule_defaults import DEFAULTS
from engine.monitoring.models import Measurement
from tests.engine.exchange.datacheck.records import Records, credit_code
from tests.web.api.conftest import login

MONTH = "2026-07"


def plant(app: Flask, n: int) -> None:
    """Taxpayer ``n`` unknown to the register; enterprise ``n+1`` declares far less than it emitted in July
    (four hourly records of 250 kg)."""
    with app.extensions["ecoloop.sessions"].begin() as session:
        records = Records(session)
        records.taxpayer(credit_code(n))
        enterprise = records.enterprise(credit_code(n + 1))
        point = records.point(enterprise, "DA001", mn=f"MN-API-{n}")
        records.taxpayer(credit_code(n + 1))
        records.tax_return(records.source(credit_code(n + 1), f"S-API-{n}", "DA001"), MONTH, 10.0)
        first = datetime(2026, 7, 1, tzinfo=timezone(timedelta(hours=8)))
        session.add_all([Measurement(point_id=point.id, cn="2061", data_time=first + timedelta(hours=h),
                                     factors={"a21026": {"avg": 30.0, "cou": 250.0, "flag": "N"}}, n_factors=1,
                                     n_valid=1, received_at=first + timedelta(hours=h), delay_s=0) for h in range(4)])


def put(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.client.put(path, json=body, headers={"Authorization": f"Bearer {client.token}"})


def test_a_county_resolves_unmatched_records_of_its_county(app: Flask) -> None:
    plant(app, 100)
    county, other = login(app, "county-440106"), login(app, "county-440111")
    listed = county.get("/api/v1/exchange/unmatched").get_json()
    assert credit_code(100) in [u["record_key"] for u in listed["items"]]
    assert credit_code(100) not in [u["record_key"] for u in other.get("/api/v1/exchange/unmatched").get_json()["items"]]
    path = f"/api/v1/exchange/unmatched/taxpayer/{credit_code(100)}/resolution"
    bad = county.post(path, {"resolution": "ignore"})
    assert bad.status_code == 422 and "resolution" in bad.get_json()["errors"]
    assert other.post(path, {"resolution": "not_regulated"}).status_code == 404
    done = county.post(path, {"resolution": "not_regulated", "note": "非排污单位"})
    assert done.status_code == 201 and done.get_json()["resolved_by"] == "county-440106"
    assert county.post(path, {"resolution": "not_regulated"}).status_code == 409
    assert login(app, "91440106MA59C8Q0XW").get("/api/v1/exchange/unmatched").status_code == 403


def test_admin_runs_the_rules_and_a_city_sends_a_finding_to_verification(app: Flask) -> None:
    plant(app, 200)
    admin, city = login(app, "admin"), login(app, "city-440100")
    assert city.post("/api/v1/exchange/inspection-runs", {"month": MONTH}).status_code == 403
    assert admin.post("/api/v1/exchange/inspection-runs", {"month": "2026-13"}).status_code == 422
    run = admin.post("/api/v1/exchange/inspection-runs", {"month": MONTH})
    assert run.status_code == 201 and run.get_json()["new"]["declared_below_monitored"] >= 1
    found = city.get("/api/v1/exchange/findings", query_string={"period": MONTH,
                                                                "rule": "declared_below_monitored"}).get_json()
    mine = [f for f in found["items"] if f["taxpayer_code"] == credit_code(201)]
    assert len(mine) == 1 and (mine[0]["declared"], mine[0]["observed"], mine[0]["status"]) == (10.0, 1000.0, "open")
    started = city.post(f"/api/v1/exchange/findings/{mine[0]['id']}/verification", {"note": "请核实"})
    assert started.status_code == 201 and started.get_json()["process_key"] == "tax_data_verification"
    assert city.get(f"/api/v1/exchange/findings/{mine[0]['id']}").get_json()["status"] == "verifying"
    assert login(app, "county-440111").get(f"/api/v1/exchange/findings/{mine[0]['id']}").status_code == 404


def test_only_administrators_change_the_rules(app: Flask) -> None:
    admin, province = login(app, "admin"), login(app, "province")
    params = {key: dict(values) for key, values in DEFAULTS.items()}
    params["declared_below_monitored"]["threshold_percent"] = 15.0
    assert put(province, "/api/v1/exchange/inspection-rules", {"params": params}).status_code == 403
    params["source_without_permit"]["enabled"] = "yes"
    refused = put(admin, "/api/v1/exchange/inspection-rules", {"params": params})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["source_without_permit.enabled"]
    params["source_without_permit"]["enabled"] = True
    changed = put(admin, "/api/v1/exchange/inspection-rules", {"params": params, "note": "省局口径"})
    assert changed.status_code == 200
    versions = province.get("/api/v1/exchange/inspection-rules").get_json()
    assert versions[0]["params"]["declared_below_monitored"]["threshold_percent"] == 15.0
    assert versions[0]["version"] == changed.get_json()["version"]
