"""Throw-away databases for tests: a SQLite file, or a PostgreSQL database created and dropped per run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from engine.migrate import scratch_postgres_database, upgrade

POSTGRES_ENV = "ECOLOOP_TEST_DATABASE_URL"


def postgres_admin_url() -> str | None:
    """The PostgreSQL server named by the environment; in CI its absence is a failure, elsewhere a skip."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set in CI")
        pytest.skip(f"{POSTGRES_ENV} is not set")
    return url


@contextmanager
def fresh_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated database; drop it afterwards."""
    if backend == "sqlite":
        path = tmp_dir / f"ecoloop-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    admin_url = postgres_admin_url()
    assert admin_url is not None
    with scratch_postgres_database(admin_url, "ecoloop_test_") as url:
        yield url
