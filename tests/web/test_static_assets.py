"""Static files: content-hashed URLs, cached for a year when the hash is current, revalidated otherwise."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, url_for

from tests.web.conftest import login
from web.static_assets import IMMUTABLE, build_manifest

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


def _hash(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]


def test_url_for_names_the_content_hash(app: Flask) -> None:
    with app.test_request_context():
        assert url_for("static", filename="app.js") == f"/static/app.js?v={_hash('app.js')}"


def test_a_current_version_is_cached_for_a_year(app: Flask) -> None:
    client = app.test_client()
    response = client.get(f"/static/app.css?v={_hash('app.css')}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"


def test_an_unversioned_or_stale_url_is_revalidated(app: Flask) -> None:
    client = app.test_client()
    for path in ("/static/app.css", "/static/app.css?v=0000000000000000"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache", path


def test_fonts_a_stylesheet_names_with_its_version_query_are_cached(app: Flask) -> None:
    css = (STATIC / "vendor/bootstrap-icons/bootstrap-icons.min.css").read_text()
    found = re.search(r'fonts/bootstrap-icons\.woff2\?([0-9a-f]+)', css)
    assert found is not None
    query = found.group(1)
    client = app.test_client()
    cached = client.get(f"/static/vendor/bootstrap-icons/fonts/bootstrap-icons.woff2?{query}")
    assert cached.headers["Cache-Control"] == IMMUTABLE
    other = client.get("/static/vendor/bootstrap-icons/fonts/bootstrap-icons.woff2?something-else")
    assert other.headers["Cache-Control"] == "no-cache"


def test_pages_link_versioned_files_and_load_libraries_only_where_used(app: Flask) -> None:
    browser = login(app, "county-440106")
    tasks = browser.get("/tasks/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', tasks)
    assert links and all(re.search(r"\?v=[0-9a-f]{16}$", link) for link in links), links
    assert "echarts" not in tasks and "bpmn-" not in tasks
    assert "echarts.min.js" in login(app, "province").get("/dashboard/").get_data(as_text=True)


def test_manifest_resolves_relative_stylesheet_references() -> None:
    manifest = build_manifest(STATIC)
    assert manifest.hashes["app.js"] == _hash("app.js")
    assert "vendor/bpmn-js/assets/bpmn-font/font/bpmn.ttf" in manifest.css_queries
