"""A failure at any point of a completion leaves the index and the workflow state as they were, and agreeing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.db import make_engine, make_session_factory
from engine.tasks import actions as tasks
from engine.workflow import runtime
from engine.workflow.consistency import check_all
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.write_batch import WriteBatch
from tests.engine.anomalies.test_walkthrough import ready_task, start_anomaly
from tests.engine.workflow.test_timers import BACKENDS, deploy_all
from tests.support.actors import ENT_TIANHE
from tests.support.databases import fresh_database


class Crash(Exception):
    """Stands for the process dying at this point: the transaction never commits."""


CRASH_POINTS = {  # (owner, function, whether it runs before the crash)
    "after engine steps, before the index": (runtime, "_sync_task_index", False),
    "after the index, before the state": (runtime, "_store", False),
    "at the audit append": (audit, "record", False),
    "after the step's writes, before the commit": (WriteBatch, "run", True),
}


@pytest.fixture(params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with fresh_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def snapshot(session: Session, instance_id: int) -> tuple[object, ...]:
    row = session.get(ProcessInstance, instance_id)
    index = sorted(session.execute(select(HumanTask.spiff_task_id, HumanTask.status)
                                   .where(HumanTask.instance_id == instance_id)).all())
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    return row.version, row.state, row.next_timer_at, tuple(index), events


@pytest.mark.parametrize("point", sorted(CRASH_POINTS))
def test_crash_during_completion_changes_nothing(point: str, sessions: sessionmaker[Session],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with sessions.begin() as session:
        deploy_all(session)
        instance_id = start_anomaly(session).id
        task_id = ready_task(session, instance_id).id
    with sessions() as session:
        before = snapshot(session, instance_id)
    owner, name, runs = CRASH_POINTS[point]
    original = getattr(owner, name)

    def crash(*args: object, **kwargs: object) -> None:
        if runs:
            original(*args, **kwargs)
        raise Crash(point)

    monkeypatch.setattr(owner, name, crash)
    with pytest.raises(Crash), sessions.begin() as session:
        tasks.complete(session, ENT_TIANHE, task_id, {"reason": "other", "description": "x"})
    monkeypatch.undo()
    with sessions() as session:
        assert snapshot(session, instance_id) == before
        assert check_all(session) == []
        assert session.get(HumanTask, task_id).status == TaskStatus.READY
    with sessions.begin() as session:  # and the work can still be done afterwards
        tasks.complete(session, ENT_TIANHE, task_id, {"reason": "other", "description": "x"})
    with sessions() as session:
        assert check_all(session) == []
        assert audit.verify(session).ok
