"""Content-hashed URLs for static files, and long-lived caching of the URLs that carry the current hash.

At start-up every file under the static folder is hashed (about 5 MB, tens of milliseconds); ``url_for('static',
filename=…)`` then adds ``?v=<first 16 hex digits of its SHA-256>``. A request whose ``v`` is the file's current
hash is answered with ``Cache-Control: public, max-age=31536000, immutable``: a changed file gets a new URL, so
the browser may keep the old one for a year without asking. Any other request (no ``v``, a stale one) keeps
Flask's ``no-cache`` and is revalidated.

Stylesheets load fonts by relative ``url(…)`` references that we cannot rewrite (vendored files stay identical
to upstream); upstream puts its own version in their query (``bootstrap-icons.woff2?e348…``, ``bpmn.ttf?4482…``),
so a request carrying exactly the query that a stylesheet of ours names is treated as versioned too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Flask, Response, request

IMMUTABLE = "public, max-age=31536000, immutable"
HASH_DIGITS = 16
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)""")


@dataclass(frozen=True)
class Manifest:
    """The current hash of every static file, and the query strings stylesheets name for the files they load."""

    hashes: Mapping[str, str]
    css_queries: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def is_current(self, filename: str, version: str | None, query: str) -> bool:
        """Whether a request for ``filename`` names its current content (by ``v`` or a stylesheet's query)."""
        if version is not None and version == self.hashes.get(filename):
            return True
        return bool(query) and query in self.css_queries.get(filename, frozenset())


def build_manifest(folder: Path) -> Manifest:
    """Hash every file under ``folder`` and collect the relative ``url(…)`` references of its stylesheets."""
    hashes: dict[str, str] = {}
    css_queries: dict[str, set[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        content = path.read_bytes()
        hashes[name] = hashlib.sha256(content).hexdigest()[:HASH_DIGITS]
        if path.suffix == ".css":
            for target, query in _css_references(PurePosixPath(name).parent, content.decode("utf-8", "replace")):
                css_queries.setdefault(target, set()).add(query)
    return Manifest(hashes, {name: frozenset(queries) for name, queries in css_queries.items()})


def _css_references(base: PurePosixPath, css: str) -> list[tuple[str, str]]:
    """(file, query) of each relative ``url(file?query)`` in a stylesheet; data: and absolute URLs are skipped."""
    found = []
    for reference in CSS_URL.findall(css):
        if reference.startswith(("data:", "/", "http:", "https:", "#")) or "?" not in reference:
            continue
        target, query = reference.split("#", 1)[0].split("?", 1)
        found.append((_normalise(base / target), query))
    return found


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def init_app(app: Flask) -> None:
    """Version ``url_for('static', …)`` and cache the versioned responses."""
    if app.static_folder is None:
        return
    manifest = build_manifest(Path(app.static_folder))
    app.extensions["ecoloop.static_manifest"] = manifest

    @app.url_defaults
    def _add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values:
            version = manifest.hashes.get(values.get("filename", ""))
            if version is not None:
                values["v"] = version

    @app.after_request
    def _cache_versioned(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            if manifest.is_current(filename, request.args.get("v"), request.query_string.decode("latin-1")):
                response.headers["Cache-Control"] = IMMUTABLE
        return response
