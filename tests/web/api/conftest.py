"""The API over HTTP: a demo-seeded app per module and backend (its own database), and bearer-token clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.actors import Actor, Role
from engine.demo.accounts import DEMO_ENTERPRISES
from engine.demo.bootstrap import seed
from engine.identity import tokens
from tests.conftest import BACKENDS
from tests.support.databases import fresh_database
from web import create_app
from web.api import bearer
from web.database import db

TIANHE, BAIYUN = DEMO_ENTERPRISES[0], DEMO_ENTERPRISES[1]
ADMIN_TOKEN = Actor("cli:test", frozenset({Role.ADMIN}))
TEST_LIMITS = {"API_RATE_LIMIT": "100000/minute", "API_LOGIN_RATE_LIMIT": "100000/minute"}


def make_app(url: str, evidence_dir: str, **overrides: str) -> Flask:
    return create_app({"DATABASE_URL": url, "EVIDENCE_DIR": evidence_dir, "RUN_SCHEDULER_IN_WEB": "0",
                       "MAX_UPLOAD_MB": "1", **TEST_LIMITS, **overrides})


@pytest.fixture(scope="module", params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("api")
    with fresh_database(request.param, tmp) as url:
        app = make_app(url, str(tmp / "evidence"))
        with app.extensions["ecoloop.sessions"].begin() as session:
            seed(session)
        yield app
        app.extensions["ecoloop.engine"].dispose()


class ApiClient:
    """A test client that sends ``Authorization: Bearer <token>`` with every request."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        if json is None and "data" not in kwargs:
            json = {}
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)

    def put(self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.put(path, json=json, headers=self._headers(headers), **kwargs)

    def delete(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.delete(path, headers=self._headers(headers), **kwargs)


def login(app: Flask, username: str, password: str = "demo") -> ApiClient:
    """Log in through ``POST /api/v1/auth/token`` as a demo user."""
    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return ApiClient(app.test_client(), response.get_json()["access_token"])


def as_actor(app: Flask, actor: Actor) -> ApiClient:
    """A client whose user token is signed for ``actor`` directly (no account needed)."""
    with app.test_request_context():
        token = bearer.issue(actor)["access_token"]
        db().commit()
    return ApiClient(app.test_client(), token)


def machine(app: Flask, name: str, role: str, **scope: str | None) -> tuple[ApiClient, int]:
    """A machine client holding a fresh API token; returns the client and the token's id."""
    with app.extensions["ecoloop.sessions"].begin() as session:
        token, secret = tokens.create(session, ADMIN_TOKEN, tokens.TokenRequest(name=name, role=role, **scope))
        token_id = token.id
    return ApiClient(app.test_client(), secret), token_id


def ready_task_ids(client: ApiClient, **query: Any) -> list[str]:
    response = client.get("/api/v1/tasks", query_string={"per_page": 200, **query})
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]
