"""Idempotency keys under concurrency, per caller; rate limits per token."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from engine.workflow.models import ProcessInstance
from tests.support.databases import fresh_database
from tests.web.api.conftest import TIANHE, login, machine, make_app

START = {"region_code": "440106", "enterprise_code": TIANHE.credit_code, "subject": "SO2 超标",
         "data": {"anomaly_type": "exceedance", "key_unit": False, "factor": "a21026"}}


def _count(app: Flask, business_key: str) -> int:
    with app.extensions["ecoloop.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance)
                              .where(ProcessInstance.business_key == business_key)) or 0


def test_concurrent_duplicates_create_one_instance(app: Flask) -> None:
    county = login(app, "county-440106")
    body = {**START, "business_key": "idem-concurrent"}
    barrier, answers = threading.Barrier(3), []

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        answers.append(client.post("/api/v1/processes/anomaly_closure/instances", json=body,
                                   headers={"Authorization": f"Bearer {county.token}", "Idempotency-Key": "same"}))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true", "true"]
    assert _count(app, "idem-concurrent") == 1


def test_keys_belong_to_their_caller_and_failures_are_not_kept(app: Flask) -> None:
    county = login(app, "county-440106")
    admin = login(app, "admin")
    headers = {"Idempotency-Key": "shared-name"}
    first = county.post("/api/v1/processes/anomaly_closure/instances", {**START, "business_key": "idem-a"},
                        headers=headers)
    other = admin.post("/api/v1/processes/anomaly_closure/instances", {**START, "business_key": "idem-b"},
                       headers=headers)
    assert first.status_code == other.status_code == 201 and first.get_json()["id"] != other.get_json()["id"]
    refused = county.post("/api/v1/processes/anomaly_closure/instances", {**START, "region_code": "440111"},
                          headers={"Idempotency-Key": "after-403"})
    assert refused.status_code == 403
    allowed = county.post("/api/v1/processes/anomaly_closure/instances", {**START, "region_code": "440111"},
                          headers={"Idempotency-Key": "after-403"})
    assert allowed.status_code == 403 and "Idempotent-Replayed" not in allowed.headers
    bad_key = county.post("/api/v1/processes/anomaly_closure/instances", START, headers={"Idempotency-Key": "a b"})
    assert bad_key.status_code == 422 and "Idempotency-Key" in bad_key.get_json()["errors"]


def test_rate_limit_is_per_token(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        app = make_app(url, str(tmp_path / "evidence"), API_RATE_LIMIT="3/minute")
        first, _ = machine(app, "limited-a", "tax_client")
        second, _ = machine(app, "limited-b", "tax_client")
        statuses = [first.get("/api/v1/me") for _ in range(4)]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429]
        assert statuses[-1].content_type == "application/problem+json"
        assert [r.headers["X-RateLimit-Remaining"] for r in statuses[:3]] == ["2", "1", "0"]
        assert statuses[0].headers["X-RateLimit-Limit"] == "3" and int(statuses[-1].headers["Retry-After"]) > 0
        assert second.get("/api/v1/me").status_code == 200
        app.extensions["ecoloop.engine"].dispose()
