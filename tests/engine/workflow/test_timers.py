"""Persisted timers: the sweep fires due timers once, survives restarts, and two sweeps never double-fire."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.calendar.holidays import current_calendar
from engine.db import make_engine, make_session_factory
from engine.workflow import deployment as processes
from engine.workflow import timers
from engine.workflow.bundle import bundled_model_files, read_model_file
from engine.workflow.models import ProcessInstance
from tests.engine.anomalies.test_walkthrough import start_anomaly
from tests.support.actors import ADMIN
from tests.support.databases import fresh_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def timer_events(session: Session, instance_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.action == "timer.fire")))


def test_next_timer_is_persisted_at_the_explanation_deadline(session: Session, deployed: dict[str, int]) -> None:
    # the earliest timer is the reminder one working day before the 5-working-day explanation deadline
    before = datetime.now(timezone.utc)
    instance = start_anomaly(session)
    calendar = current_calendar(session)
    assert instance.next_timer_at is not None
    assert instance.next_timer_at in {calendar.add_workdays(t, 4).due_at for t in (before, datetime.now(timezone.utc))}


def test_sweep_fires_only_due_timers(session: Session, deployed: dict[str, int]) -> None:
    instance = start_anomaly(session)
    assert timers.sweep_batch(session, datetime.now(timezone.utc)) == []
    deadline = current_calendar(session).add_workdays(datetime.now(timezone.utc), 5).due_at
    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        now = datetime.now(timezone.utc)
        fired = timers.sweep_batch(session, now)
        assert instance.id in fired
        session.refresh(instance)
        assert instance.next_timer_at is None  # the non-interrupting reminder and urging fire once
        events = timer_events(session, instance.id)
        assert [sorted(e.payload["timers"]) for e in events] == [["临期提醒", "说明逾期"]]
        assert timers.sweep_batch(session, now) == []


def deploy_all(session: Session) -> None:
    for path in bundled_model_files():
        processes.deploy(session, ADMIN, *read_model_file(path))


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_concurrent_sweeps_fire_each_timer_once(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            deploy_all(session)
            ids = [start_anomaly(session).id for _ in range(12)]
        later = datetime.now(timezone.utc) + timedelta(days=40)  # past the 5-working-day deadline
        fired: list[int] = []
        lock = threading.Lock()

        def sweeper() -> None:
            while True:
                with factory.begin() as session:
                    batch = timers.sweep_batch(session, later, limit=3)
                if not batch:
                    return
                with lock:
                    fired.extend(batch)

        with time_machine.travel(later, tick=True):
            threads = [threading.Thread(target=sweeper) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert sorted(fired) == sorted(ids)
        with factory() as session:
            for instance_id in ids:
                assert len(timer_events(session, instance_id)) == 1
                assert session.get(ProcessInstance, instance_id).next_timer_at is None
        engine.dispose()
