"""Every route, every parameter, hostile values: a 400/422 naming the field, never a 5xx.

The web's GET routes come from ``app.url_map``, their query parameters from the view module's ``*Args``
schemas and ``request.args.get`` calls; the API's from its OpenAPI document. Each parameter gets each
bad value on its own (so a value the schema lets through reaches the service), as an ordinary reviewer
and as an administrator. JSON bodies are swept with the hostile documents of issue #21.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError

from tests.web.api.conftest import ApiClient
from tests.web.api.conftest import login as api_login
from tests.web.conftest import Browser, login

BAD_VALUES = ("0", "-1", "abc", "1.5", "99999999999999999999", "9999-12-31", "0001-01-01", "2026-02-30", "true\x00",
              "x" * 3000, "../../etc/passwd", "<script>alert(1)</script>", "[]", "NaN", " ")
RAW_BAD = ("%ED%A0%80", "%FF%FE", "%00")
"""Percent-encoded bytes that are not UTF-8 (a lone surrogate, a byte-order mark, a NUL)."""
BAD_PATH_VALUES = {"int": ("0", "2147483648", "99999999999999999999"), "default": ("x", "x" * 300, "%E4%B8%AD%00")}
COMMON = ("sort", "region", "tab", "desc", "page", "per_page", "due_before", "status", "since", "until", "next", "q")
ARG_GET = re.compile(r'request\.args\.get(?:list)?\(\s*"(\w+)"')
USERS = ("county-440106", "admin")
DEEP = "[" * 1000 + "]" * 1000
HOSTILE_BODIES = {
    "nested 1,000 deep": DEEP,
    "a 5,001-digit number": '{"data": {"n": ' + "9" * 5001 + "}}",
    "a lone surrogate": '{"reason": "\\ud800", "data": {"s": "\\ud800"}}',
    "an integer over 64 bits": '{"data": {"n": 18446744073709551616}}',
    "NaN": '{"data": {"n": NaN}}',
}


class RouteParameters:
    """The query parameters a view's module reads: its ``*Args`` schemas and its ``request.args.get`` names."""

    def __init__(self, app: Flask, endpoint: str) -> None:
        module = sys.modules[app.view_functions[endpoint].__module__]
        self.read_directly = set(ARG_GET.findall(inspect.getsource(module)))
        self.schemas = [value for value in vars(module).values() if inspect.isclass(value)
                        and issubclass(value, Schema) and value.__name__.endswith("Args")]
        self.names = set(COMMON) | self.read_directly | {n for s in self.schemas for n in s._declared_fields}

    def passes_schema(self, name: str, value: str) -> bool:
        """Whether ``value`` gets past the schemas and so reaches the service (worth a request of its own)."""
        if name in self.read_directly:
            return True
        owners = [schema for schema in self.schemas if name in schema._declared_fields]
        return any(name not in _errors(schema, name, value) for schema in owners)


def _errors(schema: type[Schema], name: str, value: str) -> dict[str, Any]:
    try:
        schema().load({name: value}, partial=True, unknown="exclude")
    except ValidationError as exc:
        return exc.normalized_messages()
    return {}


def web_targets(app: Flask) -> Iterator[tuple[str, str]]:
    """(endpoint, URL) of every GET route outside the API, path arguments filled with ``1``."""
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and rule.endpoint != "static" and not rule.rule.startswith("/api/"):
            yield rule.endpoint, re.sub(r"<[^>]*>", "1", rule.rule)


def bad_path_urls(app: Flask) -> Iterator[str]:
    """Every GET route outside the API with one path argument at a time set to each bad value of its kind."""
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        for part in re.findall(r"<([^>]*)>", rule.rule):
            kind = "int" if part.startswith("int:") else "default"
            for value in BAD_PATH_VALUES[kind]:
                yield re.sub(r"<[^>]*>", "1", rule.rule.replace(f"<{part}>", value))


def assert_no_5xx(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.get_data(as_text=True)[:300]}"


@pytest.mark.parametrize("username", USERS)
def test_no_web_route_answers_a_bad_parameter_with_5xx(app: Flask, username: str) -> None:
    """Every value to all parameters at once (schema refusals), then alone where the schema lets it through."""
    browser = login(app, username)
    for endpoint, url in web_targets(app):
        parameters = RouteParameters(app, endpoint)
        for value in BAD_VALUES:
            assert_no_5xx(browser.client.get(url, query_string={n: value for n in parameters.names}),
                          f"{url}?(all)={value[:20]!r}")
            for name in sorted(n for n in parameters.names if parameters.passes_schema(n, value)):
                assert_no_5xx(browser.client.get(url, query_string={name: value}), f"{url}?{name}={value[:20]!r}")
        for raw in RAW_BAD:
            query = "&".join(f"{name}={raw}" for name in sorted(parameters.names))
            assert_no_5xx(browser.client.get(f"{url}?{query}"), f"{url}?(all)={raw}")
    for url in bad_path_urls(app):
        assert_no_5xx(browser.client.get(url), url)


def test_schema_refusals_name_the_field(app: Flask) -> None:
    browser: Browser = login(app, "county-440106")
    for url, field in (("/tasks/?page=0", "page"), ("/tasks/?page=abc", "page"), ("/tasks/?sort=x", "sort"),
                       ("/tasks/?region=x", "region"), ("/tasks/?tab=x", "tab"), ("/tasks/?desc=maybe", "desc"),
                       ("/tasks/?per_page=100000", "per_page"), ("/tasks/?due_before=2026-13-01", "due_before"),
                       ("/instances/?status=x", "status"), ("/notifications/?page=abc", "page")):
        response = browser.client.get(url)
        assert response.status_code == 422, (url, response.status_code)
        assert f"<code>{field}</code>" in response.get_data(as_text=True), url
    admin = login(app, "admin")
    response = admin.client.get("/admin/audit?since=yesterday", headers={"Accept": "application/json"})
    assert response.status_code == 422 and "since" in response.get_json()["errors"]


def openapi_operations(app: Flask) -> Iterator[tuple[str, str, dict[str, Any]]]:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def api_url(path: str, operation: dict[str, Any], override: dict[str, str] | None = None) -> str:
    override = override or {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            kind = parameter.get("schema", {}).get("type")
            default = "1" if kind == "integer" else "x"
            path = path.replace("{" + parameter["name"] + "}", override.get(parameter["name"], default))
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize("username", USERS)
def test_no_api_parameter_answers_a_bad_value_with_5xx(app: Flask, username: str) -> None:
    client: ApiClient = api_login(app, username)
    for method, path, operation in openapi_operations(app):
        if method != "get":
            continue
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            for value in BAD_VALUES:
                if parameter["in"] == "path":
                    url = api_url(path, operation, {name: value if "/" not in value else "x"})
                    assert_no_5xx(client.get(url), f"GET {url}")
                elif parameter["in"] == "query":
                    url = api_url(path, operation)
                    assert_no_5xx(client.get(url, query_string={name: value}), f"GET {url}?{name}={value[:20]!r}")
            if parameter["in"] == "query":
                for raw in RAW_BAD:
                    url = api_url(path, operation)
                    assert_no_5xx(client.get(f"{url}?{name}={raw}"), f"GET {url}?{name}={raw}")


@pytest.mark.parametrize("username", USERS)
def test_no_api_body_answers_a_hostile_document_with_5xx(app: Flask, username: str) -> None:
    client: ApiClient = api_login(app, username)
    for method, path, operation in openapi_operations(app):
        if method == "get" or "application/json" not in operation.get("requestBody", {}).get("content", {}):
            continue
        url = api_url(path, operation)
        for what, body in HOSTILE_BODIES.items():
            response = client.client.open(url, method=method.upper(), data=body, content_type="application/json",
                                          headers={"Authorization": f"Bearer {client.token}"})
            assert response.status_code == 400, f"{method.upper()} {url} with {what}: {response.status_code}"
            assert response.content_type == "application/problem+json" and response.get_json()["errors"], url


def test_hostile_documents_on_the_unauthenticated_token_endpoint(app: Flask) -> None:
    client = app.test_client()
    for what, body in HOSTILE_BODIES.items():
        response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
        assert response.status_code == 400, (what, response.status_code)
    refused = client.post("/api/v1/auth/token", data='{"username": "\\ud800", "password": "x"}',
                          content_type="application/json")
    assert refused.status_code == 400 and list(refused.get_json()["errors"]) == ["username"]


def test_start_data_refuses_an_integer_over_64_bits_naming_the_field(app: Flask) -> None:
    county = api_login(app, "county-440106")
    body = ('{"region_code": "440106", "subject": "COD", "data": {"anomaly_type": "exceedance", '
            '"count": 18446744073709551616}}')
    response = county.client.post("/api/v1/processes/anomaly_closure/instances", data=body,
                                  content_type="application/json", headers={"Authorization": f"Bearer {county.token}"})
    assert response.status_code == 400 and list(response.get_json()["errors"]) == ["data.count"]
    deepest = county.client.post("/api/v1/processes/anomaly_closure/instances",
                                 data='{"data": {"n": ' + "9" * 5001 + "}}", content_type="application/json",
                                 headers={"Authorization": f"Bearer {county.token}"})
    assert deepest.status_code == 400 and list(deepest.get_json()["errors"]) == ["data.n"]
