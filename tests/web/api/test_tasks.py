"""Tasks through the API: list, detail with form, claim, complete with If-Match, approval operations."""

from __future__ import annotations

from flask import Flask

from tests.web.api.conftest import TIANHE, ApiClient, login, ready_task_ids

ACCEPT = {"decision": "accept", "opinion": "属实"}
EXPLANATION = {"reason": "communication_fault", "description": "数采仪通讯故障，已更换。"}


def test_list_is_paginated_and_filtered(app: Flask) -> None:
    county = login(app, "county-440106")
    everything = county.get("/api/v1/tasks", query_string={"status": "any"}).get_json()
    first = county.get("/api/v1/tasks", query_string={"status": "any", "per_page": 1, "page": 1}).get_json()
    assert everything["total"] >= 2 and first["total"] == everything["total"] and len(first["items"]) == 1
    assert {t["region_code"] for t in everything["items"]} == {"440106"}
    none = county.get("/api/v1/tasks", query_string={"process": "no_such_process"}).get_json()
    assert none == {"items": [], "total": 0, "page": 1, "per_page": 50}
    bad = county.get("/api/v1/tasks", query_string={"per_page": 1000, "status": "nonsense"})
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert set(bad.get_json()["errors"]) == {"per_page", "status"}


def test_detail_carries_the_form_and_the_version_as_etag(app: Flask) -> None:
    county = login(app, "county-440106")
    task_id = ready_task_ids(county)[0]
    response = county.get(f"/api/v1/tasks/{task_id}")
    body = response.get_json()
    assert response.status_code == 200 and body["task"]["id"] == task_id
    assert body["form"]["key"] == "county_review" and any(f["name"] == "decision" for f in body["form"]["fields"])
    assert response.headers["ETag"] == f'"{body["instance_version"]}"' and body["workable"] is True


def test_complete_with_stale_if_match_is_412_and_changes_nothing(app: Flask) -> None:
    county = login(app, "county-440106")
    task_id = ready_task_ids(county)[0]
    etag = county.get(f"/api/v1/tasks/{task_id}").headers["ETag"]
    stale = county.post(f"/api/v1/tasks/{task_id}/complete", {"data": ACCEPT}, headers={"If-Match": '"999"'})
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    assert task_id in ready_task_ids(county)
    done = county.post(f"/api/v1/tasks/{task_id}/complete", {"data": ACCEPT}, headers={"If-Match": etag})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed" and done.get_json()["outcome"] == "accept"
    again = county.post(f"/api/v1/tasks/{task_id}/complete", {"data": ACCEPT})
    assert again.status_code == 409


def test_invalid_form_data_names_the_field(app: Flask) -> None:
    clerk = login(app, TIANHE.credit_code)
    task_id = ready_task_ids(clerk)[0]
    response = clerk.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"reason": "not-a-reason"}})
    problem = response.get_json()
    assert response.status_code == 422 and {"reason", "description"} <= set(problem["errors"])
    missing = clerk.post(f"/api/v1/tasks/{task_id}/complete", {})
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"data": ["Missing data for required field."]}
    nul = clerk.post(f"/api/v1/tasks/{task_id}/complete", {"data": {**EXPLANATION, "description": "a\u0000b"}})
    assert nul.status_code == 422 and "data" in nul.get_json()["errors"]


def test_claim_then_another_person_cannot_complete(app: Flask) -> None:
    clerk = login(app, TIANHE.credit_code)
    task_id = ready_task_ids(clerk)[0]
    claimed = clerk.post(f"/api/v1/tasks/{task_id}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["claimed_by"] == TIANHE.credit_code
    assert clerk.post(f"/api/v1/tasks/{task_id}/unclaim").get_json()["claimed_by"] is None


def _explained(app: Flask) -> tuple[ApiClient, ApiClient, str, str]:
    """Tianhe explains one of its anomalies; returns the clerk, the county, the explain task and the review."""
    clerk, county = login(app, TIANHE.credit_code), login(app, "county-440106")
    explain = ready_task_ids(clerk)[-1]
    assert clerk.post(f"/api/v1/tasks/{explain}/complete", {"data": EXPLANATION}).status_code == 200
    instance_id = _instance_of(clerk, explain)
    review = next(t for t in ready_task_ids(county) if _instance_of(county, t) == instance_id)
    return clerk, county, explain, review


def test_withdraw_reopens_the_step(app: Flask) -> None:
    clerk, county, explain, review = _explained(app)
    withdrawn = clerk.post(f"/api/v1/tasks/{explain}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["spec_name"] == "explain"
    assert withdrawn.get_json()["id"] in ready_task_ids(clerk) and review not in ready_task_ids(county)


def test_urge_delegate_answer_transfer_return(app: Flask) -> None:
    clerk, county, _, review = _explained(app)
    urged = login(app, "city-440100").post(f"/api/v1/tasks/{review}/urge", {"note": "请尽快办理"})
    assert urged.status_code == 201 and urged.get_json()["kind"] == "urge"
    delegated = county.post(f"/api/v1/tasks/{review}/delegate", {"target": "city-440100", "note": "请给意见"})
    assert delegated.status_code == 200 and delegated.get_json()["delegated_to"] == "city-440100"
    answered = login(app, "city-440100").post(f"/api/v1/tasks/{review}/answer", {"opinion": "同意"})
    assert answered.status_code == 200 and answered.get_json()["delegated_to"] is None
    unknown = county.post(f"/api/v1/tasks/{review}/transfer", {"target": "nobody-here"})
    assert unknown.status_code == 422 and "target" in unknown.get_json()["errors"]
    returned = county.post(f"/api/v1/tasks/{review}/return", {"target": "explain", "opinion": "材料不全"})
    assert returned.status_code == 200 and returned.get_json()["spec_name"] == "explain"
    assert returned.get_json()["id"] in ready_task_ids(clerk)


def _instance_of(client: ApiClient, task_id: str) -> int:
    return int(client.get(f"/api/v1/tasks/{task_id}").get_json()["task"]["instance_id"])


def test_idempotency_key_replays_the_first_response(app: Flask) -> None:
    county = login(app, "county-440106")
    task_id = ready_task_ids(county)[0]
    key = {"Idempotency-Key": f"complete-{task_id}"}
    first = county.post(f"/api/v1/tasks/{task_id}/complete", {"data": ACCEPT}, headers=key)
    second = county.post(f"/api/v1/tasks/{task_id}/complete", {"data": ACCEPT}, headers=key)
    assert first.status_code == second.status_code == 200
    assert second.get_json() == first.get_json() and second.headers["Idempotent-Replayed"] == "true"
    other = county.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"decision": "return"}}, headers=key)
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["errors"]
    without = county.post(f"/api/v1/tasks/{task_id}/complete", {"data": ACCEPT})
    assert without.status_code == 409  # a plain retry does run again, and finds the task done
