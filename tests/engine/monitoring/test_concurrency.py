"""Two workers ingesting at once (two real connections): data stored once, one open task per anomaly.

On PostgreSQL the writers really interleave (row locks, ``SKIP LOCKED``, the
unique keys); on SQLite ``BEGIN IMMEDIATE`` serializes them, and the outcome
must be the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.anomalies import cases
from engine.db import make_engine, make_session_factory
from engine.monitoring.models import (
    Anomaly,
    AnomalyCase,
    Measurement,
    MeasurementRevision,
)
from engine.monitoring.records import MeasurementRecord
from engine.workflow import deployment as processes
from engine.workflow.bundle import bundled_model_files, read_model_file
from engine.workflow.models import ProcessInstance
from tests.conftest import BACKENDS
from tests.engine.monitoring.factories import BASE, air, ingestor, register, water
from tests.support.actors import ADMIN
from tests.support.databases import fresh_database


@pytest.fixture(scope="module", params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker]:
    with fresh_database(request.param, tmp_path_factory.mktemp("concurrency")) as url:
        engine = make_engine(url, pool_size=4) if request.param == "postgres" else make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            for path in bundled_model_files():
                processes.deploy(session, ADMIN, *read_model_file(path))
            register(session)
        yield factory
        engine.dispose()


def race(sessions: sessionmaker, work: list[Callable[[Session], Any]]) -> None:
    """Run each piece of work in its own thread and transaction, started together; re-raise failures."""
    barrier, failures = threading.Barrier(len(work)), []

    def run(job: Callable[[Session], Any]) -> None:
        barrier.wait()
        try:
            with sessions.begin() as session:
                job(session)
            while True:  # then open the tasks, as the receiver's second thread does
                with sessions.begin() as session:
                    if not cases.open_pending(session).handled:
                        break
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


LATER = BASE + timedelta(days=20)


def ingest(records: list[MeasurementRecord]) -> Callable[[Session], Any]:
    return lambda session: ingestor(LATER).ingest(session, records)


def open_cases(session: Session, hours: range) -> list[AnomalyCase]:
    start, end = BASE + timedelta(hours=hours.start), BASE + timedelta(hours=hours.stop)
    return list(session.scalars(select(AnomalyCase).join(ProcessInstance, ProcessInstance.id == AnomalyCase.instance_id)
                                .where(AnomalyCase.period_start >= start, AnomalyCase.period_start < end,
                                       ProcessInstance.status == "running")))


def count(session: Session, model: type, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_the_same_packets_from_two_workers_are_stored_and_tasked_once(sessions: sessionmaker) -> None:
    for round_number in range(4):
        hours = range(round_number * 10, round_number * 10 + 4)
        batch = [air(h, so2=40.0 + h) for h in hours] + [water(h) for h in hours]
        race(sessions, [ingest(batch), ingest(list(reversed(batch)))])
        with sessions() as session:
            found = open_cases(session, hours)
            assert [(c.factor, c.anomaly_type, c.anomaly_count) for c in found] == [("a21026", "exceedance", 4)]
            assert count(session, ProcessInstance, ProcessInstance.id == found[0].instance_id) == 1
    with sessions() as session:
        assert count(session, Measurement) == 32
        assert count(session, Anomaly) == 16
        assert count(session, AnomalyCase) == 4


def test_consecutive_hours_on_two_workers_join_one_task(sessions: sessionmaker) -> None:
    for round_number in range(4):
        first = 100 + round_number * 10
        race(sessions, [ingest([air(first, so2=50.0)]), ingest([air(first + 1, so2=50.0)])])
        with sessions() as session:
            found = open_cases(session, range(first, first + 2))
            assert len(found) == 1 and found[0].anomaly_count == 2


def test_one_corrected_resend_from_two_workers_keeps_one_revision(sessions: sessionmaker) -> None:
    original = air(200, so2=20.0)
    with sessions.begin() as session:
        ingestor(LATER).ingest(session, [original])
    corrected = replace(original, factors={**original.factors, "a21026": {"avg": 22.0, "flag": "N"}})
    race(sessions, [ingest([corrected]), ingest([corrected])])
    with sessions() as session:
        row = session.scalars(select(Measurement).where(Measurement.data_time == original.data_time)).one()
        assert row.revision == 2
        assert count(session, MeasurementRevision, MeasurementRevision.data_time == original.data_time) == 1
