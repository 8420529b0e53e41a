"""Filling the tables with finished anomaly-closure instances, fast, as a year of production would leave them.

Each instance gets its ``process_instances`` row (with a real finished state
document), four completed ``human_tasks`` rows and five audit events. The
events are sorted by time and chained with the same hash as
:func:`engine.audit.trail.event_hash`, continuing from the current chain head, so
``audit.verify`` still passes afterwards. PostgreSQL is written with COPY,
SQLite with executemany.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.engine import Connection, Engine

from bench.workload import PROCESS_KEY, STARTER, STEPS, Case
from engine.audit.models import AuditChainHead, AuditEvent
from engine.audit.trail import HEAD_ID, event_hash
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)
from engine.workflow.serialization import SERIALIZER_VERSION

log = logging.getLogger(__name__)

BATCH = 10_000
JSON_COLUMNS = {"payload", "submitted"}


@dataclass(frozen=True)
class StepInfo:
    """What the task index stores about a step (read from the compiled model by the caller)."""

    title: str
    lane: str
    role: str
    form_key: str


@dataclass(frozen=True)
class Template:
    model_id: int
    model_version: int
    state: str  # a real finished instance's document, shared by every prefilled row
    steps: dict[str, StepInfo]


def prefill(engine: Engine, template: Template, cases: Sequence[Case], rng: random.Random) -> None:
    """Insert ``len(cases)`` finished instances with their tasks and audit events."""
    with engine.begin() as connection:
        first_id = (connection.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
        last_seq, last_hash = connection.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                                                 .where(AuditChainHead.id == HEAD_ID)).one()
        now = datetime.now(timezone.utc)
        instance_rows, task_rows, events = [], [], []
        for offset, case in enumerate(cases):
            started = now - timedelta(days=rng.uniform(14, 365))
            instance, steps, instance_events = _instance(template, first_id + offset, case, started, rng)
            instance_rows.append(instance)
            task_rows += steps
            events += instance_events
        audit_rows = _chain(events, last_seq, last_hash)
        for table, rows in ((ProcessInstance.__table__, instance_rows), (HumanTask.__table__, task_rows),
                            (AuditEvent.__table__, audit_rows)):
            _bulk_insert(connection, table, rows)  # type: ignore[arg-type]
            log.info("prefill: %d rows in %s", len(rows), table.name)  # type: ignore[attr-defined]
        last = audit_rows[-1]
        connection.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                           .values(last_seq=last["seq"], last_hash=last["hash"], prev_hash=last["prev_hash"]))
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT setval(pg_get_serial_sequence('process_instances', 'id'), "
                                    "(SELECT max(id) FROM process_instances))"))
    _analyze(engine)


def _instance(
    template: Template, instance_id: int, case: Case, started: datetime, rng: random.Random
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """One finished instance: its row, its four task rows, its five audit events."""
    events = [_event(started, STARTER.username, "instance.start", instance_id, None, {
        "process": PROCESS_KEY, "version": template.model_version, "business_key": case.business_key,
        "data": case.start_data, "tasks": [STEPS[0]]})]
    rows, created = [], started
    for index, (step, (actor, data)) in enumerate(zip(STEPS, case.steps)):
        completed = created + timedelta(hours=rng.uniform(0.5, 96))
        row = _task_row(template.steps[step], instance_id, case, step, created, completed)
        row.update(submitted=data, completed_by=actor.username, outcome=data.get("decision"),
                   opinion=data.get("opinion"))
        rows.append(row)
        following = [STEPS[index + 1]] if index + 1 < len(STEPS) else []
        events.append(_event(completed, actor.username, "task.complete", instance_id, row["id"], {
            "step": step, "outcome": row["outcome"], "opinion": row["opinion"], "data": data, "next": following}))
        created = completed
    instance = {
        "id": instance_id, "model_id": template.model_id, "process_key": PROCESS_KEY,
        "model_version": template.model_version, "business_key": case.business_key, "subject": case.subject,
        "enterprise_code": case.enterprise_code, "region_code": case.region_code,
        "status": InstanceStatus.COMPLETED.value, "state": template.state, "serializer_version": SERIALIZER_VERSION,
        "version": 1 + len(STEPS), "next_timer_at": None, "started_by": STARTER.username, "started_at": started,
        "ended_at": created,
    }
    return instance, rows, events


def _task_row(info: StepInfo, instance_id: int, case: Case, step: str, created: datetime,
              completed: datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "spiff_task_id": str(uuid.uuid4()), "instance_id": instance_id,
        "process_key": PROCESS_KEY, "spec_name": step, "title": info.title, "lane": info.lane, "role": info.role,
        "form_key": info.form_key, "region_code": case.region_code, "enterprise_code": case.enterprise_code,
        "subject": case.subject, "status": TaskStatus.COMPLETED.value, "due_at": created + timedelta(days=5),
        "created_at": created, "completed_at": completed,
    }


def _event(at: datetime, actor: str, action: str, instance_id: int, task_id: str | None,
           payload: dict[str, Any]) -> dict[str, Any]:
    return {"at": at, "actor": actor, "action": action, "instance_id": instance_id, "task_id": task_id,
            "payload": json.loads(json.dumps(payload, ensure_ascii=False))}


def _chain(events: list[dict[str, Any]], last_seq: int, last_hash: str) -> list[dict[str, Any]]:
    """Order events by time and give each its seq, predecessor hash and own hash."""
    events.sort(key=lambda e: e["at"])
    for event in events:
        last_seq += 1
        event.update(seq=last_seq, prev_hash=last_hash)
        event["hash"] = last_hash = event_hash(SimpleNamespace(**event))
    return events


def _bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        batch = [_fitted(table, row) for row in rows[start:start + BATCH]]
        if connection.dialect.name == "postgresql":
            _copy(connection, table, batch)
        else:
            connection.execute(table.insert(), batch)


def _fitted(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The row with exactly the table's columns: ones the model gained since are filled from their defaults."""
    fitted = {}
    for column in table.columns:
        if column.name in row:
            fitted[column.name] = row[column.name]
        elif column.default is not None and column.default.is_scalar:
            fitted[column.name] = column.default.arg  # type: ignore[attr-defined]
        elif column.nullable:
            fitted[column.name] = None
        else:
            raise ValueError(f"prefill does not know how to fill {table.name}.{column.name}")
    return fitted


def _copy(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    columns = [c.name for c in table.columns]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copy_value(name, row[name]) for name in columns])


def _copy_value(name: str, value: Any) -> Any:
    if name in JSON_COLUMNS and value is not None:
        return json.dumps(value, ensure_ascii=False)
    return value


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics, as autovacuum would have gathered them in production."""
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
