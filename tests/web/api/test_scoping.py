"""Every endpoint that takes an object's id answers 404 for objects of another county or enterprise."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask

from tests.support.flows import PDF
from tests.web.api.conftest import BAIYUN, TIANHE, ApiClient, login, machine, ready_task_ids

TASK_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/tasks/{id}", None),
    ("POST", "/api/v1/tasks/{id}/claim", {}),
    ("POST", "/api/v1/tasks/{id}/unclaim", {}),
    ("POST", "/api/v1/tasks/{id}/complete", {"data": {"decision": "accept"}}),
    ("POST", "/api/v1/tasks/{id}/return", {"target": "explain", "opinion": "x"}),
    ("POST", "/api/v1/tasks/{id}/withdraw", {}),
    ("POST", "/api/v1/tasks/{id}/transfer", {"target": "county-440106"}),
    ("POST", "/api/v1/tasks/{id}/delegate", {"target": "city-440100"}),
    ("POST", "/api/v1/tasks/{id}/answer", {"opinion": "x"}),
    ("POST", "/api/v1/tasks/{id}/urge", {"note": "x"}),
    ("POST", "/api/v1/tasks/{id}/attachments", {"attachment_ids": [1]}),
]
INSTANCE_ENDPOINTS = ["/api/v1/instances/{id}", "/api/v1/instances/{id}/history"]


def _call(client: ApiClient, method: str, path: str, body: dict[str, Any] | None) -> int:
    response = client.get(path) if method == "GET" else client.post(path, body)
    return response.status_code


@pytest.fixture(scope="module")
def objects(app: Flask) -> dict[str, Any]:
    """Tianhe's county task, Tianhe's enterprise task, their instances and one Tianhe attachment."""
    county, clerk = login(app, "county-440106"), login(app, TIANHE.credit_code)
    county_task = ready_task_ids(county)[0]
    enterprise_task = ready_task_ids(clerk)[0]
    attachment = clerk.post("/api/v1/attachments", data={"file": (io.BytesIO(PDF), "a.pdf")}, json=None).get_json()
    instance_of = {t: county.get(f"/api/v1/tasks/{t}").get_json()["task"]["instance_id"] for t in (county_task,)}
    instance_of[enterprise_task] = clerk.get(f"/api/v1/tasks/{enterprise_task}").get_json()["task"]["instance_id"]
    return {"county_task": county_task, "enterprise_task": enterprise_task, "attachment": attachment["id"],
            "instances": instance_of}


@pytest.mark.parametrize(("method", "path", "body"), TASK_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in TASK_ENDPOINTS])
def test_task_of_another_county_is_not_found(app: Flask, objects: dict[str, Any], method: str, path: str,
                                             body: dict[str, Any] | None) -> None:
    outsiders = [login(app, "county-440111"), login(app, BAIYUN.credit_code)]
    for task in (objects["county_task"], objects["enterprise_task"]):
        for outsider in outsiders:
            assert _call(outsider, method, path.format(id=task), body) == 404, (path, task)


def test_reviewer_token_of_another_county_sees_nothing_of_tianhe(app: Flask, objects: dict[str, Any]) -> None:
    token, _ = machine(app, "baiyun-gateway", "county_reviewer", region_code="440111")
    for method, path, body in TASK_ENDPOINTS:
        assert _call(token, method, path.format(id=objects["county_task"]), body) == 404, path
    assert objects["county_task"] not in ready_task_ids(token)


@pytest.mark.parametrize("path", INSTANCE_ENDPOINTS)
def test_instance_of_another_county_or_enterprise_is_not_found(app: Flask, objects: dict[str, Any],
                                                                path: str) -> None:
    county_instance = objects["instances"][objects["county_task"]]
    assert login(app, "county-440106").get(path.format(id=county_instance)).status_code == 200
    assert login(app, TIANHE.credit_code).get(path.format(id=county_instance)).status_code == 200
    for outsider in ("county-440111", BAIYUN.credit_code):
        assert login(app, outsider).get(path.format(id=county_instance)).status_code == 404
    assert login(app, "county-440106").get(path.format(id=2**31 + 5)).status_code == 404


def test_admin_actions_refuse_non_admins_alike_for_any_instance(app: Flask, objects: dict[str, Any]) -> None:
    county_instance = objects["instances"][objects["county_task"]]
    outsider = login(app, "county-440111")
    for action in ("suspend", "resume", "terminate"):
        own_or_not = {outsider.post(f"/api/v1/instances/{i}/{action}", {}).status_code for i in (county_instance, 99999)}
        assert own_or_not == {403}


def test_attachment_of_another_enterprise_is_not_found(app: Flask, objects: dict[str, Any]) -> None:
    path = f"/api/v1/attachments/{objects['attachment']}"
    assert login(app, TIANHE.credit_code).get(path).status_code == 200
    for outsider in (BAIYUN.credit_code, "county-440111"):
        assert login(app, outsider).get(path).status_code == 404


def test_lists_stay_in_scope(app: Flask) -> None:
    baiyun = login(app, "county-440111").get("/api/v1/tasks", query_string={"status": "any"}).get_json()
    assert baiyun["items"] and {t["region_code"] for t in baiyun["items"]} == {"440111"}
    forced = login(app, "county-440111").get("/api/v1/tasks", query_string={"region": "440106"}).get_json()
    assert forced["total"] == 0
    enterprise = login(app, BAIYUN.credit_code).get("/api/v1/tasks", query_string={"status": "any"}).get_json()
    assert {t["enterprise_code"] for t in enterprise["items"]} == {BAIYUN.credit_code}
