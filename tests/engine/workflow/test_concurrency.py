"""Two actors completing the same task at once: exactly one wins, the other gets a Conflict naming the task."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.calendar.models import CalendarState
from engine.db import make_engine, make_session_factory, utcnow
from engine.errors import Conflict
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.write_batch import WriteBatch
from tests.engine.anomalies.test_walkthrough import ready_task, start_anomaly
from tests.engine.workflow.test_timers import BACKENDS, deploy_all
from tests.support.actors import ENT_TIANHE
from tests.support.databases import fresh_database

ROUNDS = 6


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_completion_has_one_winner(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url, pool_size=4) if backend == "postgres" else make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            deploy_all(session)
            task_ids = [ready_task(session, start_anomaly(session).id).id for _ in range(ROUNDS)]
        for task_id in task_ids:
            outcomes = race(factory, task_id)
            assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "HumanTask"]
            conflict = next(o for o in outcomes if isinstance(o, Conflict))
            assert task_id in conflict.message
        with factory() as session:
            for task_id in task_ids:
                task = session.get(HumanTask, task_id)
                assert task.status == TaskStatus.COMPLETED
                successors = session.scalar(select(func.count()).select_from(HumanTask).where(
                    HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.READY))
                assert successors == 1  # one county review, not two
                assert session.get(ProcessInstance, task.instance_id).version == 3
        engine.dispose()


def race(factory, task_id: str) -> list[object]:
    """Run two completions of one task in two threads (two connections), started together."""
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt() -> None:
        barrier.wait()
        try:
            with factory.begin() as session:
                outcomes.append(tasks.complete(session, ENT_TIANHE, task_id,
                                               {"reason": "other", "description": "同时提交"}))
        except Conflict as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("backend", BACKENDS)
def test_first_audit_appends_racing_both_succeed(backend: str, tmp_path: Path) -> None:
    """The chain head does not exist yet; two writers create it at once and both events land in order."""
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url, pool_size=4) if backend == "postgres" else make_engine(url)
        factory = make_session_factory(engine)
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def append(name: str) -> None:
            barrier.wait()
            try:
                with factory.begin() as session:
                    audit.record(session, name, "test.race")
            except BaseException as exc:  # noqa: BLE001 - the test reports any failure
                errors.append(exc)

        threads = [threading.Thread(target=append, args=(f"writer-{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with factory() as session:
            report = audit.verify(session)
            assert report.ok and report.checked == 2
        engine.dispose()


def append_alone(session: Session) -> AuditEvent:
    return audit.record(session, "waiter", "test.waited")


def append_in_a_batch(session: Session) -> AuditEvent:
    """The append as part of a step's writes: on PostgreSQL one statement with another write."""
    writes = WriteBatch(session)
    writes.insert_rows([CalendarState(id=99, version=1, stamp="waiter", changed_at=utcnow())])
    event = audit.record(session, "waiter", "test.waited", writes=writes)
    writes.run()
    return event


@pytest.mark.parametrize("append", [append_alone, append_in_a_batch])
@pytest.mark.parametrize("backend", BACKENDS)
def test_an_append_that_waited_for_the_head_chains_to_the_event_it_waited_for(
    backend: str, append: Callable[[Session], AuditEvent], tmp_path: Path
) -> None:
    """A writer blocked on the head resumes when the holder commits, and links to the holder's event, not to
    the event before it. (On PostgreSQL a read inside the blocked statement would still see the older one.)"""

    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url, pool_size=4) if backend == "postgres" else make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            audit.record(session, "earlier", "test.first")
        holder, waiter = factory(), factory()
        held = audit.record(holder, "holder", "test.held")
        appended: list[object] = []
        thread = threading.Thread(target=lambda: appended.append(append(waiter)))
        thread.start()
        wait_until_blocked(engine, thread)
        holder.commit()
        thread.join()
        waiter.commit()
        (waited,) = appended
        assert (held.seq, waited.seq) == (2, 3)
        assert waited.prev_hash == held.hash
        with factory() as session:
            report = audit.verify(session)
            assert report.ok and report.checked == 3
        holder.close(), waiter.close()
        engine.dispose()


def wait_until_blocked(engine, thread: threading.Thread) -> None:  # type: ignore[no-untyped-def]
    """Until the thread's statement waits for a lock (PostgreSQL: as the server reports it; SQLite, whose
    writer waits inside BEGIN IMMEDIATE, gives no such report: a while)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and thread.is_alive():
        if engine.dialect.name != "postgresql":
            time.sleep(0.3)
            return
        with engine.connect() as connection:
            if connection.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                      "AND datname = current_database()")):
                return
        time.sleep(0.01)
    raise AssertionError("the second writer never waited for the head")
