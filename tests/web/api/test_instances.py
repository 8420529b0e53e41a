"""Processes and instances through the API: list and deploy models, start, read, history, admin actions."""

from __future__ import annotations

import io

from flask import Flask

from engine.workflow.bundle import BUNDLED_DIR
from tests.web.api.conftest import TIANHE, login

START = {"region_code": "440106", "enterprise_code": TIANHE.credit_code, "business_key": "api-start-1",
         "subject": "COD 超标", "data": {"anomaly_type": "exceedance", "key_unit": True, "factor": "w01018"}}


def test_processes_list_versions(app: Flask) -> None:
    versions = login(app, "county-440106").get("/api/v1/processes").get_json()
    closure = [v for v in versions if v["key"] == "anomaly_closure"]
    assert closure and sum(v["is_active"] for v in closure) == 1
    only = login(app, "admin").get("/api/v1/processes", query_string={"key": "anomaly_closure"}).get_json()
    assert {v["key"] for v in only} == {"anomaly_closure"}


def test_deploy_needs_an_admin_and_a_valid_model(app: Flask) -> None:
    xml = (BUNDLED_DIR / "anomaly_closure.bpmn").read_bytes()
    county = login(app, "county-440106")
    refused = county.post("/api/v1/processes", data={"bpmn": (io.BytesIO(xml), "m.bpmn")}, json=None)
    assert refused.status_code == 403
    admin = login(app, "admin")
    same = admin.post("/api/v1/processes", data={"bpmn": (io.BytesIO(xml), "m.bpmn")}, json=None)
    assert same.status_code == 201 and same.get_json()["key"] == "anomaly_closure"  # identical: the active version
    broken = admin.post("/api/v1/processes", data={"bpmn": (io.BytesIO(b"<not-bpmn"), "m.bpmn")}, json=None)
    assert broken.status_code == 422 and broken.content_type == "application/problem+json"
    missing = admin.post("/api/v1/processes", data={}, json=None)
    assert missing.status_code == 422 and "bpmn" in missing.get_json()["errors"]


def test_start_show_history_and_admin_actions(app: Flask) -> None:
    county, admin = login(app, "county-440106"), login(app, "admin")
    started = county.post("/api/v1/processes/anomaly_closure/instances", START)
    assert started.status_code == 201, started.get_json()
    instance = started.get_json()
    assert started.headers["Location"].endswith(f"/api/v1/instances/{instance['id']}")
    shown = county.get(f"/api/v1/instances/{instance['id']}")
    detail = shown.get_json()
    assert shown.headers["ETag"] == f'"{detail["version"]}"' and detail["status"] == "running"
    assert [t["spec_name"] for t in detail["current_tasks"]] == ["explain"]
    history = county.get(f"/api/v1/instances/{instance['id']}/history").get_json()
    assert history[0]["action"] == "instance.start" and history[0]["payload"]["business_key"] == "api-start-1"
    assert county.post(f"/api/v1/instances/{instance['id']}/suspend", {"reason": "x"}).status_code == 403
    suspended = admin.post(f"/api/v1/instances/{instance['id']}/suspend", {"reason": "核查"})
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    assert admin.post(f"/api/v1/instances/{instance['id']}/suspend", {}).status_code == 409
    assert admin.post(f"/api/v1/instances/{instance['id']}/resume", {}).get_json()["status"] == "running"
    ended = admin.post(f"/api/v1/instances/{instance['id']}/terminate", {"reason": "重复"})
    assert ended.get_json()["status"] == "terminated" and ended.get_json()["ended_at"]


def test_start_checks_input(app: Flask) -> None:
    county = login(app, "county-440106")
    bad_region = county.post("/api/v1/processes/anomaly_closure/instances", {**START, "region_code": "999999"})
    assert bad_region.status_code == 422 and "region_code" in bad_region.get_json()["errors"]
    elsewhere = county.post("/api/v1/processes/anomaly_closure/instances", {**START, "region_code": "440111"})
    assert elsewhere.status_code == 403
    unknown = county.post("/api/v1/processes/no_such_process/instances", START)
    assert unknown.status_code == 404
    extra = county.post("/api/v1/processes/anomaly_closure/instances", {**START, "colour": "red"})
    assert extra.status_code == 422 and extra.get_json()["errors"] == {"colour": ["Unknown field."]}
