"""Shared fixtures: a migrated database per backend, a session in a savepoint per test, deployed models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from engine import processes as bundled_processes
from engine.workflow.bundle import bundled_model_files, read_model_file
from engine.db import make_engine
from engine.workflow import deployment as processes
from tests.support.actors import ADMIN
from tests.support.databases import fresh_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", autouse=True)
def wired_processes() -> None:
    """What every edge does at start (the app factory, the command line): wire the processes' hooks."""
    bundled_processes.wire()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per backend for the whole run."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (services only flush)."""
    connection = db_engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def deployed(session: Session) -> dict[str, int]:
    """Every bundled model deployed; maps process key to model id."""
    result = {}
    for path in bundled_model_files():
        xml, forms = read_model_file(path)
        model = processes.deploy(session, ADMIN, xml, forms)
        result[model.key] = model.id
    return result


@pytest.fixture
def bundled_dir() -> Path:
    return bundled_model_files()[0].parent
