"""The mobile-enforcement client's API: my inspections, the on-site record with photo ids, the pair's steps
through the tasks API, published results; scoped like the rest."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import Flask

from engine.inspection.onsite.process import local_date_today
from tests.engine.evidence.test_filestore import png
from tests.support.inspection import OFFICER_A, OFFICER_B, ORGANISER, dispatched, drawn_plan, officer_accounts
from tests.web.api.conftest import as_actor, login

ANSWERS = [{"item": "SJ-01", "point": 0, "result": "ok"}, {"item": "SJ-01", "point": 1, "result": "ok"},
           {"item": "SJ-04", "point": 0, "result": "problem", "note": "数采仪离线"}]


def _dispatched(app: Flask, tag: str) -> int:
    with app.extensions["ecoloop.sessions"].begin() as session:
        return dispatched(session, tag=tag)


def test_the_pair_works_an_inspection_through_the_api(app: Flask) -> None:
    case_id = _dispatched(app, "接口")
    lead = as_actor(app, OFFICER_A)
    mine = lead.get("/api/v1/inspections").get_json()
    found = next(i for i in mine if i["id"] == case_id)
    assert found["unit_name"].endswith("接口") and found["open_step"]["step"] == "onsite_record"
    assert [p["text"] for p in found["checklist"]] == ["持证排污", "按证载要求排放", "设施正常运行"]
    photo = lead.post("/api/v1/attachments", json=None, data={"file": (io.BytesIO(png()), "现场.png")},
                      content_type="multipart/form-data")
    assert photo.status_code == 201, photo.get_json()
    bad = lead.post(f"/api/v1/inspections/{case_id}/record", {"unit_status": "operating", "findings": "x",
                                                               "checklist": ANSWERS[:2]})
    assert bad.status_code == 422 and "c-SJ-04-0" in bad.get_json()["errors"]
    unknown = lead.post(f"/api/v1/inspections/{case_id}/record", {"unit_status": "maybe", "findings": "x"})
    assert unknown.status_code == 422 and "unit_status" in unknown.get_json()["errors"]
    recorded = lead.post(f"/api/v1/inspections/{case_id}/record", {
        "unit_status": "operating", "findings": "数采仪离线", "checklist": ANSWERS, "photos": [photo.get_json()["id"]]})
    assert recorded.status_code == 200, recorded.get_json()
    body = recorded.get_json()
    assert body["status"] == "recorded" and body["photos"] == [photo.get_json()["id"]] and body["open_step"] is None
    second = as_actor(app, OFFICER_B)
    step = second.get(f"/api/v1/inspections/{case_id}").get_json()["open_step"]
    assert step["step"] == "onsite_confirm"
    confirmed = second.post(f"/api/v1/tasks/{step['task_id']}/complete", {"data": {"confirmation": "confirm"}})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert second.get(f"/api/v1/inspections/{case_id}").get_json()["status"] == "inspected"


def test_others_cannot_read_or_record(app: Flask) -> None:
    case_id = _dispatched(app, "越权")
    for outsider in ("county-440111", "91440111MA5AXB2P14"):
        assert login(app, outsider).get(f"/api/v1/inspections/{case_id}").status_code == 404
    assert login(app, "county-440111").get("/api/v1/inspections").get_json() == []
    second = as_actor(app, OFFICER_B)
    refused = second.post(f"/api/v1/inspections/{case_id}/record", {"unit_status": "closed", "findings": "停产"})
    assert refused.status_code == 404


def test_only_the_organiser_dispatches(app: Flask) -> None:
    with app.extensions["ecoloop.sessions"].begin() as session:
        officer_accounts(session)
        plan_id = drawn_plan(session, tag="派发", planned=local_date_today() + timedelta(days=3)).plan.id
    assert login(app, "county-440111").post(f"/api/v1/inspections/plans/{plan_id}/dispatch").status_code in (403, 404)
    done = as_actor(app, ORGANISER).post(f"/api/v1/inspections/plans/{plan_id}/dispatch")
    assert done.status_code == 200 and len(done.get_json()["dispatched"]) == 1
    again = as_actor(app, ORGANISER).post(f"/api/v1/inspections/plans/{plan_id}/dispatch")
    assert again.get_json()["dispatched"] == []


def test_results_are_searchable(app: Flask) -> None:
    response = login(app, "county-440106").get("/api/v1/inspections/results", query_string={"conclusion": "refer"})
    assert response.status_code == 200 and set(response.get_json()) == {"results", "total", "page", "pages"}
    bad = login(app, "county-440106").get("/api/v1/inspections/results", query_string={"date_from": "yesterday"})
    assert bad.status_code == 422 and "date_from" in bad.get_json()["errors"]
