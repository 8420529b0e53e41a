"""Pooled PostgreSQL connections are checked after they sat idle, and a dead one is replaced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from engine import db
from engine.db import make_engine
from tests.support.databases import postgres_admin_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine() -> Iterator[Engine]:
    url = postgres_admin_url()
    assert url is not None
    engine = make_engine(url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def _kill(engine: Engine, pid: int) -> None:
    """Terminate the pooled connection's server process from another connection, as a server restart would."""
    admin = make_engine(str(engine.url))
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_idle_past_the_threshold_is_pinged_and_replaced_when_dead(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(engine)
    _kill(engine, first)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    assert _backend_pid(engine) != first


def test_a_connection_used_moments_ago_is_not_pinged_and_the_pool_recovers_after_one_failure(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
    first = _backend_pid(engine)
    _kill(engine, first)
    with pytest.raises(OperationalError):
        _backend_pid(engine)
    assert _backend_pid(engine) != first
