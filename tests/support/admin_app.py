"""A light web app per backend for admin-page tests: migrated database, bundled models, a few local accounts.

Much faster than the demo-seeded app of ``tests/web/conftest.py``; use it with ``tests.web.conftest.login``.
One per backend for the whole run: tests commit into it, so each must make its own data and not count others'.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from engine.actors import Role
from engine.workflow.bundle import bundled_model_files, read_model_file
from engine.workflow import deployment as processes
from engine.identity import local_users as users
from tests.conftest import BACKENDS
from tests.support.actors import ADMIN
from tests.support.databases import fresh_database
from web import create_app

PASSWORD = "demo"
ACCOUNTS = (
    ("admin", Role.ADMIN, "440000"),
    ("county-440106", Role.COUNTY_REVIEWER, "440106"),
    ("county-440111", Role.COUNTY_REVIEWER, "440111"),
)


@pytest.fixture(scope="session", params=BACKENDS)
def admin_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("admin-web")
    with fresh_database(request.param, tmp) as url:
        app = create_app({"DATABASE_URL": url, "EVIDENCE_DIR": str(tmp / "evidence"), "RUN_SCHEDULER_IN_WEB": "0"})
        with app.extensions["ecoloop.sessions"].begin() as session:
            for path in bundled_model_files():
                processes.deploy(session, ADMIN, *read_model_file(path))
            for username, role, region in ACCOUNTS:
                users.create(session, username, PASSWORD, [role], region_code=region)
        yield app
        app.extensions["ecoloop.engine"].dispose()
