"""A step's writes go out together: one statement on PostgreSQL, in order on SQLite, with the same outcome."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.audit import trail as audit
from engine.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from engine.db import is_postgres, utcnow
from engine.errors import Conflict
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.write_batch import WriteBatch
from tests.support.actors import ADMIN
from tests.support.flows import ready_task, start_anomaly


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session sends inside the block."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def new_row(task: HumanTask, title: str) -> HumanTask:
    values = {column.key: getattr(task, column.key) for column in HumanTask.__table__.columns}
    return HumanTask(**{**values, "id": str(uuid4()), "spiff_task_id": str(uuid4()), "title": title})


def test_the_writes_of_a_batch_all_land_and_the_objects_hold_them(session: Session, deployed: dict[str, int]) -> None:
    instance = start_anomaly(session)
    task = ready_task(session, instance.id)
    version = instance.version
    writes = WriteBatch(session)
    writes.update_row(task, {"status": TaskStatus.COMPLETED, "completed_by": "probe", "completed_at": utcnow()})
    writes.insert_rows([new_row(task, "第一"), new_row(task, "第二")])
    writes.update_row(instance, {"subject": "改过", "version": version + 1}, check="version", conflict="changed")
    event = audit.record(session, ADMIN, "probe.batch", instance_id=instance.id, payload={"名": "值"},
                         writes=writes)
    with statements(session) as sent:
        writes.run()
    assert len(sent) == (1 if is_postgres(session) else 3)  # SQLite: the audit event was written at once
    assert (task.status, instance.subject, instance.version) == (TaskStatus.COMPLETED, "改过", version + 1)
    session.expire_all()
    assert session.get(HumanTask, task.id).completed_by == "probe"
    assert session.get(ProcessInstance, instance.id).subject == "改过"
    titles = session.scalars(select(HumanTask.title).where(HumanTask.instance_id == instance.id)).all()
    assert sorted(titles) == sorted([task.title, "第一", "第二"])
    stored = session.get(AuditEvent, event.seq)
    assert (stored.action, stored.hash, stored.prev_hash) == ("probe.batch", event.hash, event.prev_hash)
    assert audit.event_hash(stored) == stored.hash
    assert audit.verify(session).ok


def test_a_failed_version_check_raises_the_conflict_it_was_given(session: Session, deployed: dict[str, int]) -> None:
    instance = start_anomaly(session)
    task = ready_task(session, instance.id)
    set_committed_value(instance, "version", instance.version - 1)  # as if loaded before someone else wrote it
    writes = WriteBatch(session)
    writes.update_row(task, {"opinion": "x"})
    writes.update_row(instance, {"subject": "改过", "version": 99}, check="version",
                      conflict=f"instance {instance.id} was changed meanwhile")
    with pytest.raises(Conflict, match=f"instance {instance.id} was changed meanwhile"):
        writes.run()


def test_the_first_event_ever_creates_the_chain_head_from_within_a_batch(session: Session) -> None:
    session.execute(delete(AuditChainHead))
    writes = WriteBatch(session)
    first = audit.record(session, ADMIN, "probe.first", writes=writes)
    writes.run()
    assert first.prev_hash == GENESIS_HASH
    head = session.scalars(select(AuditChainHead)).one()
    assert (head.last_seq, head.last_hash) == (first.seq, first.hash)


def test_two_writes_with_the_same_bind_names_are_refused(session: Session, deployed: dict[str, int]) -> None:
    instance = start_anomaly(session)
    task = ready_task(session, instance.id)
    other = new_row(task, "另一")
    session.add(other)
    session.flush()
    writes = WriteBatch(session)
    writes.update_row(task, {"opinion": "x"})
    writes.update_row(other, {"opinion": "y"})
    with pytest.raises(ValueError, match="human_tasks__opinion"):
        writes.run()
