"""Reads of reports and dashboards go to the read replica where one is configured; writes stay on the primary.

The replica is a true hot standby streaming from its own primary (:mod:`tests.support.postgres_cluster`);
replay is paused in the middle of a test so the two servers hold different data, which tells from the
figures alone which server a path read.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from engine.actors import Actor, Role
from engine.config import load_settings
from engine.dashboard import figures as dashboard
from engine.db import make_engine, make_session_factory, on_replica, read_sessions
from engine.demo.bootstrap import seed
from engine.migrate import upgrade
from engine.monitoring import rates
from engine.monitoring.models import Enterprise
from engine.reports import figures, runs
from engine.reports import jobs as report_jobs
from engine.reports.models import ReportRun, ReportStatus
from engine.replay import jobs as replay_jobs
from engine.replay import runs as replay_runs
from engine.replay.models import ReplayRun, ReplayStatus
from engine.replay.spec import Period as ReplayPeriod
from engine.replay.spec import Scope
from engine.reports.period import Period
from tests.engine.monitoring.factories import BASE, air, ingestor, register
from tests.support.actors import ADMIN
from tests.support.databases import postgres_admin_url
from tests.support.postgres_cluster import Server, set_replay_paused, streaming_pair, wait_for_replay
from tests.web.conftest import login
from web import create_app

pytestmark = pytest.mark.postgres

PROVINCE = Actor("province-reader", frozenset({Role.PROVINCE_REVIEWER}), "440000")
NOVEMBER = BASE.date().replace(day=1)
LATER = BASE + timedelta(days=5)
REPLAY_PERIOD = ReplayPeriod(BASE.date(), BASE.date())


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[Server, Server]]:
    postgres_admin_url()  # PostgreSQL tests run where the suite runs them (a skip here, a failure in CI)
    with streaming_pair() as (primary, standby):
        admin = create_engine(primary.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE ecoloop"))
        admin.dispose()
        upgrade(primary.database_url("ecoloop"))
        wait_for_replay(primary, standby)
        yield primary, standby


@pytest.fixture(scope="module")
def sessions(pair: tuple[Server, Server]) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    primary, standby = pair
    writes = make_session_factory(make_engine(primary.database_url("ecoloop")))
    reads = read_sessions(writes, standby.database_url("ecoloop"))
    yield writes, reads
    for factory in (writes, reads):
        factory.kw["bind"].dispose()


@contextmanager
def replay_paused(pair: tuple[Server, Server]) -> Iterator[None]:
    """The standby holds what the primary had so far; what is written next stays on the primary."""
    primary, standby = pair
    wait_for_replay(primary, standby)
    set_replay_paused(standby, True)
    try:
        yield
    finally:
        set_replay_paused(standby, False)
        wait_for_replay(primary, standby)


def test_the_replica_url_is_a_setting_and_without_it_reads_use_the_primary(tmp_path: Path) -> None:
    settings = load_settings(environ={"ECOLOOP_DATABASE_REPLICA_URL": "postgresql+psycopg://reader@replica/ecoloop"})
    assert settings.database_replica_url == "postgresql+psycopg://reader@replica/ecoloop"
    assert load_settings(environ={}).database_replica_url == ""
    primary = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'one.db'}"))
    assert read_sessions(primary, "") is primary


def test_replica_sessions_read_the_standby_and_refuse_writes(sessions: Any) -> None:
    writes, reads = sessions
    with reads() as session:
        assert on_replica(session)
        assert session.scalar(text("SELECT pg_is_in_recovery()")) is True
        with pytest.raises(DBAPIError, match="read-only transaction"):
            session.execute(text("CREATE TEMPORARY TABLE scratch (id integer)"))
    with writes() as session:
        assert not on_replica(session)
        assert session.scalar(text("SELECT pg_is_in_recovery()")) is False


def test_rates_and_the_monthly_figures_read_the_replica(pair: tuple[Server, Server], sessions: Any) -> None:
    writes, reads = sessions
    with writes.begin() as session:
        _registered(session)
        ingestor().ingest(session, [air(hour) for hour in range(3)])
    with writes() as primary:
        before = _received(primary)
        primary.commit()  # the rates sync wrote nothing to keep; end the transaction before pausing
    with replay_paused(pair):
        with writes.begin() as session:
            ingestor().ingest(session, [air(hour) for hour in (40, 41)])
        with reads() as replica, writes() as primary:
            assert _received(replica) == before  # the standby stopped before the last two hours
            assert _received(primary) == before + 2
            assert sum(r.counts.received for r in figures.figures(
                replica, PROVINCE, Period(BASE.year, BASE.month), now=LATER).region_rates) == before
            board = dashboard.dashboard(replica, PROVINCE, now=LATER)  # a READ ONLY transaction: it writes nothing
            assert board.cases_total == 0


def _registered(session: Session) -> None:
    """The test enterprise and its points, once per module (the tests share the primary's database)."""
    if session.scalar(select(func.count()).select_from(Enterprise)) == 0:
        register(session)


def _received(session: Session) -> int:
    return sum(r.counts.received for r in rates.point_rates(session, NOVEMBER, now=LATER))


def test_report_runs_are_built_from_the_replica_and_written_to_the_primary(pair: tuple[Server, Server],
                                                                           sessions: Any) -> None:
    writes, reads = sessions
    with writes.begin() as session:
        run = runs.request(session, PROVINCE, "monthly", f"{BASE.year}-{BASE.month:02d}")
    wait_for_replay(*pair)
    seen = {"primary": _statements(writes.kw["bind"]), "replica": _statements(reads.kw["bind"])}
    try:
        assert report_jobs.process_all(writes, reads=reads) == 1
    finally:
        for engine, (_, listener) in ((writes.kw["bind"], seen["primary"]), (reads.kw["bind"], seen["replica"])):
            event.remove(getattr(engine, "engine", engine), "before_cursor_execute", listener)
    with writes() as session:
        stored = session.get(ReportRun, run.id)
        assert stored is not None and stored.status == ReportStatus.DONE and stored.size
    assert any("measurements" in s for s in seen["replica"][0])  # the 月报's figures came from the standby
    assert not any("FROM measurements" in s for s in seen["primary"][0])
    assert any("UPDATE report_runs" in s for s in seen["primary"][0])


def test_replays_read_the_replica_and_their_record_is_written_to_the_primary(pair: tuple[Server, Server],
                                                                            sessions: Any) -> None:
    writes, reads = sessions
    with writes.begin() as session:
        _registered(session)
        ingestor().ingest(session, [air(hour) for hour in range(6)])
        replay_id = replay_runs.request(session, ADMIN, {"rules": {"constant": {"count": 4}}}, REPLAY_PERIOD,
                                        Scope("province", "440000")).id
    wait_for_replay(*pair)
    seen = {"primary": _statements(writes.kw["bind"]), "replica": _statements(reads.kw["bind"])}
    try:
        assert replay_jobs.process_all(writes, reads=reads) == 1
    finally:
        for engine, (_, listener) in ((writes.kw["bind"], seen["primary"]), (reads.kw["bind"], seen["replica"])):
            event.remove(getattr(engine, "engine", engine), "before_cursor_execute", listener)
    with writes() as session:
        stored = session.get(ReplayRun, replay_id)
        assert stored is not None and stored.status == ReplayStatus.DONE and stored.summary["records"] >= 6
    assert any("measurements" in s for s in seen["replica"][0])  # the readings came from the standby
    assert not any("FROM measurements" in s for s in seen["primary"][0])
    assert any("UPDATE replay_runs" in s for s in seen["primary"][0])


def _statements(engine: Any) -> tuple[list[str], Any]:
    found: list[str] = []
    target: Engine = getattr(engine, "engine", engine)

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        found.append(statement)

    event.listen(target, "before_cursor_execute", listener)
    return found, listener


def test_the_dashboard_page_reads_the_replica_and_the_log_in_writes_the_primary(pair: tuple[Server, Server],
                                                                               tmp_path: Path) -> None:
    primary, standby = pair
    with _database(primary, "ecoloop_web") as url:
        app = create_app({"DATABASE_URL": url, "DATABASE_REPLICA_URL": standby.database_url("ecoloop_web"),
                          "EVIDENCE_DIR": str(tmp_path / "evidence"), "RUN_SCHEDULER_IN_WEB": "0"})
        with app.extensions["ecoloop.sessions"].begin() as session:
            seed(session)
        wait_for_replay(primary, standby)
        replica_statements, listener = _statements(app.extensions["ecoloop.read_sessions"].kw["bind"])
        browser = login(app, "province")  # the log-in's audit event is a write: it must reach the primary
        page = browser.get("/dashboard/?process=").get_data(as_text=True)
        assert re.search(r'id="dashboard-data">', page)
        assert any("process_instances" in s for s in replica_statements)
        assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in replica_statements)
        event.remove(getattr(app.extensions["ecoloop.read_sessions"].kw["bind"], "engine"), "before_cursor_execute",
                     listener)
        app.extensions["ecoloop.engine"].dispose()
        app.extensions["ecoloop.read_sessions"].kw["bind"].dispose()


class _database:
    """A migrated database on the test's primary, dropped afterwards (the standby follows both)."""

    def __init__(self, primary: Server, name: str) -> None:
        self.primary, self.name = primary, name

    def __enter__(self) -> str:
        self._admin(f"CREATE DATABASE {self.name}")
        url = self.primary.database_url(self.name)
        upgrade(url)
        return url

    def __exit__(self, *_exc: object) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                self._admin(f"DROP DATABASE {self.name} WITH (FORCE)")
                return
            except DBAPIError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _admin(self, statement: str) -> None:
        admin = create_engine(self.primary.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
        finally:
            admin.dispose()

