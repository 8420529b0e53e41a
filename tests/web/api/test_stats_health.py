"""Statistics within the caller's scope, the health check, and the OpenAPI document and docs page."""

from __future__ import annotations

from flask import Flask

from tests.web.api.conftest import TIANHE, login


def test_task_counts_follow_scope(app: Flask) -> None:
    tianhe = login(app, "county-440106").get("/api/v1/stats/tasks").get_json()
    city = login(app, "city-440100").get("/api/v1/stats/tasks").get_json()
    admin = login(app, "admin").get("/api/v1/stats/tasks").get_json()
    assert set(tianhe["by_region"]) == {"440106"}
    assert tianhe["total"] == sum(tianhe["by_status"].values()) > 0
    assert admin["total"] >= tianhe["total"] and set(admin["by_region"]) >= {"440106", "440111"}
    assert city["total"] <= admin["total"]
    enterprise = login(app, TIANHE.credit_code).get("/api/v1/stats/tasks").get_json()
    assert set(enterprise["by_region"]) == {"440106"} and enterprise["by_process"]


def test_healthz_reports_database_and_directory(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "directory": "not_configured"}


def test_openapi_document_and_docs_page(app: Flask) -> None:
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.") and "/api/v1/tasks/{task_id}/complete" in document["paths"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.get_data(as_text=True)
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert "Set-Cookie" not in client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo"}).headers
