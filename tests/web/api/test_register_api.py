"""``/api/v1/enterprises`` and ``/api/v1/points``: scoping, ETag/If-Match, problem+json naming the field, idempotency."""

from __future__ import annotations

from typing import Any

from flask import Flask
from stdnum.cn import uscc

from tests.web.api.conftest import BAIYUN, TIANHE, ApiClient, login

NEW_CODE = "91440106MA5NEW001" + uscc.calc_check_digit("91440106MA5NEW001")


def _patch(client: ApiClient, path: str, body: dict[str, Any], if_match: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {client.token}", **({"If-Match": if_match} if if_match else {})}
    return client.client.patch(path, json=body, headers=headers)


def test_a_county_reviewer_lists_and_reads_only_its_county(app: Flask) -> None:
    county = login(app, "county-440106")
    listed = county.get("/api/v1/enterprises", query_string={"per_page": 200}).get_json()
    assert listed["total"] >= 1 and {e["region_code"] for e in listed["items"]} == {"440106"}
    assert county.get(f"/api/v1/enterprises/{TIANHE.credit_code}").status_code == 200
    assert county.get(f"/api/v1/enterprises/{BAIYUN.credit_code}").status_code == 404
    points = county.get("/api/v1/points", query_string={"per_page": 200}).get_json()["items"]
    assert points and all(p["credit_code"].startswith("91440106") or p["credit_code"] == TIANHE.credit_code
                          for p in points)
    other = login(app, "admin").get("/api/v1/points", query_string={"enterprise": BAIYUN.credit_code})
    baiyun_mn = other.get_json()["items"][0]["mn"]
    assert county.get(f"/api/v1/points/{baiyun_mn}").status_code == 404


def test_an_enterprise_reads_only_itself(app: Flask) -> None:
    clerk = login(app, TIANHE.credit_code)
    listed = clerk.get("/api/v1/enterprises").get_json()
    assert [e["credit_code"] for e in listed["items"]] == [TIANHE.credit_code]
    assert clerk.get(f"/api/v1/enterprises/{BAIYUN.credit_code}").status_code == 404
    assert clerk.post("/api/v1/enterprises", {"credit_code": NEW_CODE, "name": "x", "region_code": "440106"}
                      ).status_code == 403


def test_admin_creates_with_an_idempotency_key_and_updates_with_if_match(app: Flask) -> None:
    admin = login(app, "admin")
    body = {"credit_code": NEW_CODE, "name": "天河新材料有限公司", "region_code": "440106", "industry_code": "2614",
            "memberships": [{"year": 2026, "medium": "water"}], "risk_level": "larger"}
    created = admin.post("/api/v1/enterprises", body, headers={"Idempotency-Key": "register-1"})
    assert created.status_code == 201, created.get_json()
    assert created.headers["ETag"] == '"1"' and created.get_json()["industry_code"] == "C2614"
    replay = admin.post("/api/v1/enterprises", body, headers={"Idempotency-Key": "register-1"})
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert admin.post("/api/v1/enterprises", body).status_code == 409

    path = f"/api/v1/enterprises/{NEW_CODE}"
    assert _patch(admin, path, {"risk_level": "major"}, if_match='"7"').status_code == 412
    changed = _patch(admin, path, {"risk_level": "major"}, if_match='"1"')
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    assert changed.get_json()["memberships"] == [{"year": 2026, "medium": "water"}]
    assert changed.get_json()["key_unit"] is True


def test_a_refused_value_is_problem_json_naming_the_field(app: Flask) -> None:
    admin = login(app, "admin")
    bad = admin.post("/api/v1/enterprises", {"credit_code": NEW_CODE[:-1] + ("0" if NEW_CODE[-1] != "0" else "1"),
                                             "name": "x", "region_code": "440106"})
    assert bad.status_code == 422 and bad.content_type.startswith("application/problem+json")
    assert "校验位错误" in str(bad.get_json()["errors"]["credit_code"])
    unknown = admin.post("/api/v1/enterprises", {"credit_code": NEW_CODE, "name": "x", "region_code": "449999"})
    assert unknown.status_code in (409, 422)


def test_points_are_created_with_a_hashed_password_and_their_factors(app: Flask) -> None:
    admin = login(app, "admin")
    body = {"mn": "APITEST0001", "credit_code": TIANHE.credit_code, "name": "2号烟囱", "kind": "air",
            "monitoring_since": "2026-11-01T00:00:00+08:00", "password": "s3cret",
            "factors": [{"code": "a21026", "unit": "mg/m³", "upper_limit": 35, "standard": "GB 13223-2011"}],
            "suspensions": [{"reason": "maintenance", "starts_at": "2026-11-10T08:00:00+08:00",
                             "ends_at": "2026-11-10T20:00:00+08:00"}]}
    created = admin.post("/api/v1/points", body)
    assert created.status_code == 201, created.get_json()
    point = created.get_json()
    assert "password" not in point and "password_hash" not in point
    assert point["factors"][0]["name"] == "二氧化硫" and point["factors"][0]["standard"] == "GB 13223-2011"
    assert point["suspensions"][0]["reason"] == "maintenance"
    unknown = admin.post("/api/v1/points", {**body, "mn": "APITEST0002", "factors": [{"code": "x12345"}]})
    assert unknown.status_code == 422 and "未知" in str(unknown.get_json()["errors"])
    limit = _patch(admin, "/api/v1/points/APITEST0001",
                   {"factors": [{"code": "a21026", "unit": "mg/m³", "upper_limit": 50}]}, if_match='"1"')
    assert limit.status_code == 200 and limit.get_json()["factors"][0]["upper_limit"] == 50
