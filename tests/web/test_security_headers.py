"""Every response carries the security headers: pages, the API, static files, errors and redirects."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.conftest import login
from web.security_headers import CONTENT_SECURITY_POLICY

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize("path", [
    "/login",  # a page, not logged in
    "/",  # a redirect
    "/api/v1/openapi.json",  # the API document
    "/api/v1/tasks",  # an API refusal (401, problem+json)
    "/static/app.css",  # a static file
    "/static/vendor/htmx/htmx.min.js",
    "/no-such-page",  # an error page
])
def test_headers_on_every_kind_of_response(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{path}: {name}"


def test_headers_on_pages_after_login(app: Flask) -> None:
    browser = login(app, "county-440106")
    for path in ("/tasks/", "/dashboard/", "/notifications/"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Frame-Options"] == "DENY"


def test_policy_forbids_inline_script_and_framing() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in directives["style-src"] and "unsafe-inline" not in directives["style-src-elem"]


def test_pages_hold_no_inline_script_or_handler(app: Flask) -> None:
    """What the policy would block is not in the markup we send (JSON data blocks are not script)."""
    browser = login(app, "province")
    html = browser.get("/dashboard/").get_data(as_text=True)
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head, head
    assert " onchange=" not in html and " onclick=" not in html and "javascript:" not in html
