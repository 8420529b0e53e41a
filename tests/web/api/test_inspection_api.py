"""``/api/v1/inspection``: plans and draws scoped like the pages; the officer's assignments; verification."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from engine.inspection.models import Draw, DrawStatus, InspectionItem
from tests.web.api.conftest import TIANHE, login


def _ids(app: Flask) -> tuple[int, int, int]:
    with app.extensions["ecoloop.sessions"].begin() as session:
        revealed = session.scalars(select(Draw.id).where(Draw.status == DrawStatus.REVEALED)).first()
        secret = session.scalars(select(Draw.id).where(Draw.status == DrawStatus.DRAWN).order_by(Draw.id)).first()
        item = session.scalars(select(InspectionItem.id)).first()
    assert item is not None and revealed is not None and secret is not None
    return revealed, secret, item


def test_a_city_reviewer_plans_commits_runs_and_the_list_stays_out_of_the_draw_record(app: Flask) -> None:
    _revealed, _secret, item = _ids(app)
    city = login(app, "city-440100")
    body = {"title": "广州市2027年第一季度双随机抽查", "body_region_code": "440100", "period_start": "2027-01-01",
            "period_end": "2027-03-31", "inspect_from": "2027-01-04", "inspect_to": "2027-03-31", "item_ids": [item]}
    bad = city.post("/api/v1/inspection/plans", {**body, "inspect_from": "2026-12-01"})
    assert bad.status_code == 422 and "inspect_from" in bad.get_json()["errors"]
    made = city.post("/api/v1/inspection/plans", body, headers={"Idempotency-Key": "plan-2027q1"})
    again = city.post("/api/v1/inspection/plans", body, headers={"Idempotency-Key": "plan-2027q1"})
    assert made.status_code == 201 and again.get_json()["id"] == made.get_json()["id"]
    plan_id = made.get_json()["id"]
    assert login(app, "county-440111").get(f"/api/v1/inspection/plans/{plan_id}").status_code == 404
    committed = city.post(f"/api/v1/inspection/plans/{plan_id}/draws", {})
    assert committed.status_code == 201 and committed.get_json()["status"] == "committed"
    assert len(committed.get_json()["seed_commitment"]) == 64 and committed.get_json()["seed"] is None
    draw_id = committed.get_json()["id"]
    assert login(app, "admin").post(f"/api/v1/inspection/draws/{draw_id}/run", {}).status_code == 403
    ran = city.post(f"/api/v1/inspection/draws/{draw_id}/run", {})
    assert ran.status_code == 200 and ran.get_json()["status"] == "drawn" and ran.get_json()["seed"] is None
    assert city.post(f"/api/v1/inspection/draws/{draw_id}/reveal", {}).status_code == 409
    assert city.post(f"/api/v1/inspection/plans/{plan_id}/draws", {}).status_code == 422  # a redraw needs a reason


def test_an_officer_fetches_his_units_and_an_enterprise_gets_nothing(app: Flask) -> None:
    _revealed, secret, _item = _ids(app)
    officer = login(app, "officer-gz-1")
    mine = officer.get("/api/v1/inspection/assignments")
    assert mine.status_code == 200
    rows = mine.get_json()
    assert all("陈志强" in [o["name"] for o in row["officers"]] for row in rows)
    assert all(row["items"] and row["items"][0]["checklist"] for row in rows)
    future = [row for row in rows if row["draw_id"] == secret]
    assert future  # least-load pairing gives every officer units
    enterprise = login(app, TIANHE.credit_code)
    assert enterprise.get("/api/v1/inspection/assignments").get_json() == []
    for row in future:
        assert officer.get(f"/api/v1/inspection/assignments/{row['id']}").status_code == 200
        assert login(app, "county-440111").get(f"/api/v1/inspection/assignments/{row['id']}").status_code == 404


def test_a_revealed_draw_verifies_and_a_secret_one_does_not_show_its_seed(app: Flask) -> None:
    revealed, secret, _item = _ids(app)
    reader = login(app, "county-440106")
    result = reader.get(f"/api/v1/inspection/draws/{revealed}/verification").get_json()
    assert result["ok"] is True and [c["name"] for c in result["checks"]] == ["seed", "inputs", "audit", "result"]
    assert reader.get(f"/api/v1/inspection/draws/{secret}").get_json()["seed"] is None
    assert reader.get(f"/api/v1/inspection/draws/{secret}/verification").status_code == 404
