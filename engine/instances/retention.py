"""History retention: finished instances older than a configurable age leave the hot tables.

``archive_batch`` moves completed and terminated instances whose ``ended_at`` is
older than the age — the instance row with its workflow state, its task index
rows, notes and evidence links — into one JSON document in ``archived_instances``,
in the caller's transaction (the CLI and the daily scheduler job commit per
batch). Audit events are not touched, so ``audit.verify`` still walks an intact
chain; an ``instance.archive`` event is appended for each instance. The archived
instance stays readable, read-only, for the users whose scope covers it
(:func:`archived_overview`), under the same id.

Rows of other tables that point at an archived task (drafts of a finished task)
go into the document too. An instance that a domain table still references by
foreign key (e.g. an anomaly case) is skipped and reported, so no domain link is
ever broken. The instance with the highest id is never archived, so SQLite
cannot hand its id out again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.actors import SYSTEM, Actor
from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.calendar.models import ProvisionalDeadline
from engine.config import PREFIX, ConfigError
from engine.db import Base, utcnow, valid_id
from engine.errors import InstanceNotFound, InvalidInput, NotAllowed
from engine.evidence.models import TaskAttachment
from engine.instances.models import ArchivedInstance
from engine.scoping import can_see_instance
from engine.workflow.models import HumanTask, InstanceStatus, ProcessInstance, TaskNote

log = logging.getLogger(__name__)

DEFAULT_AFTER_DAYS = 365
DEFAULT_BATCH = 100
SETTING = "ARCHIVE_AFTER_DAYS"
FINISHED = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)
# tables whose rows for an instance move into its document by this module's own code
_OWN_TABLES = frozenset({"process_instances", "human_tasks", "task_notes", "task_attachments", "provisional_deadlines"})


def archive_after_days(settings: Mapping[str, str]) -> int:
    """``ECOLOOP_ARCHIVE_AFTER_DAYS`` from the raw settings (default 365).

    :raises ConfigError: when it is not a whole number of at least one day.
    """
    text = settings.get(SETTING, "") or str(DEFAULT_AFTER_DAYS)
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{PREFIX}{SETTING} must be a whole number of days (at least 1), not {text!r}")
    return int(text)


@dataclass
class BatchResult:
    archived: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def archive_batch(session: Session, actor: Actor, older_than_days: int, *, now: datetime | None = None,
                  limit: int = DEFAULT_BATCH, after_id: int = 0) -> BatchResult:
    """Archive up to ``limit`` finished instances with ids above ``after_id`` (the caller commits).

    :raises NotAllowed: unless the actor is the system or an admin.
    :raises InvalidInput: when the age is less than one day.
    """
    if actor is not SYSTEM and not actor.is_admin:
        raise NotAllowed("only administrators archive instances")
    if older_than_days < 1:
        raise InvalidInput("保留天数至少为 1 (at least one day)", fields={"older_than": ["须 ≥ 1"]})
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    newest = session.scalar(select(func.max(ProcessInstance.id))) or 0
    rows = session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.status.in_(FINISHED), ProcessInstance.ended_at < cutoff,
               ProcessInstance.id > after_id, ProcessInstance.id < newest)
        .order_by(ProcessInstance.id).limit(limit).with_for_update(skip_locked=True)
    ).all()
    result = BatchResult()
    for row in rows:
        blocker = _foreign_reference(session, row.id)
        if blocker is not None:
            result.skipped[row.id] = blocker
            continue
        try:
            with session.begin_nested():
                _archive(session, actor, row)
        except IntegrityError as exc:  # a reference this module does not know of
            result.skipped[row.id] = str(exc.orig).splitlines()[0][:200]
            continue
        result.archived.append(row.id)
    if result.skipped:
        log.warning("archive skipped instances still referenced elsewhere: %s", result.skipped)
    return result


def _archive(session: Session, actor: Actor, row: ProcessInstance) -> None:
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == row.id).order_by(HumanTask.created_at)))
    task_ids = [t.id for t in tasks]
    notes = list(session.scalars(select(TaskNote).where(TaskNote.instance_id == row.id).order_by(TaskNote.id)))
    links = list(session.scalars(select(TaskAttachment).where(TaskAttachment.task_id.in_(task_ids)))) if task_ids else []
    satellites = _task_satellites(session, task_ids)
    document = {"instance": _columns(row), "tasks": [_columns(t) for t in tasks], "notes": [_columns(n) for n in notes],
                "task_attachments": [_columns(link) for link in links], "satellites": satellites}
    session.add(ArchivedInstance(
        id=row.id, process_key=row.process_key, model_version=row.model_version, business_key=row.business_key,
        subject=row.subject, enterprise_code=row.enterprise_code, region_code=row.region_code, status=row.status,
        started_at=row.started_at, ended_at=row.ended_at, archived_by=actor.username, document=document,
    ))
    _delete_satellites(session, task_ids)
    if task_ids:
        session.execute(delete(TaskAttachment).where(TaskAttachment.task_id.in_(task_ids)))
    session.execute(delete(TaskNote).where(TaskNote.instance_id == row.id))
    session.execute(delete(HumanTask).where(HumanTask.instance_id == row.id))
    session.execute(delete(ProvisionalDeadline).where(ProvisionalDeadline.instance_id == row.id))
    session.flush()
    session.delete(row)
    session.flush()
    audit.record(session, actor, "instance.archive", instance_id=row.id,
                 payload={"tasks": len(tasks), "notes": len(notes), "ended_at": row.ended_at})
    log.info("instance %s archived", row.id)


def _columns(obj: Any) -> dict[str, Any]:
    """A row's columns as JSON-ready values (timestamps and dates as ISO text)."""
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _referencing(target: str) -> list[tuple[Table, Any]]:
    """(table, column) pairs of other tables with a foreign key to ``target``'s id."""
    found = []
    for table in Base.metadata.tables.values():
        if table.name in _OWN_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == target:
                found.append((table, fk.parent))
    return found


def _foreign_reference(session: Session, instance_id: int) -> str | None:
    """The first domain table whose rows still point at the instance, if any."""
    for table, column in _referencing("process_instances"):
        if session.execute(select(column).where(column == instance_id).limit(1)).first() is not None:
            return table.name
    return None


def _task_satellites(session: Session, task_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for table, column in _referencing("human_tasks") if task_ids else []:
        rows = session.execute(select(table).where(column.in_(task_ids))).mappings().all()
        if rows:
            found.setdefault(table.name, []).extend({k: _plain(v) for k, v in r.items()} for r in rows)
    return found


def _delete_satellites(session: Session, task_ids: list[str]) -> None:
    for table, column in _referencing("human_tasks") if task_ids else []:
        session.execute(delete(table).where(column.in_(task_ids)))


# --- reading archived instances ---------------------------------------------------------------------

@dataclass(frozen=True)
class ArchivedOverview:
    """An archived instance's page: its summary, steps, notes and audit timeline (read-only)."""

    instance: ArchivedInstance
    tasks: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    events: list[AuditEvent]

    @property
    def step_titles(self) -> dict[str, str]:
        return {task["spec_name"]: task["title"] for task in self.tasks}


def archived_overview(session: Session, actor: Actor, instance_id: int) -> ArchivedOverview:
    """:raises InstanceNotFound: when no such archived instance lies within the actor's scope."""
    row = session.get(ArchivedInstance, instance_id) if valid_id(instance_id) else None
    if row is None or not can_see_instance(actor, row.region_code, row.enterprise_code, row.process_key):
        raise InstanceNotFound(f"instance {instance_id} not found")
    return ArchivedOverview(row, list(row.document.get("tasks", [])), list(row.document.get("notes", [])),
                            audit.instance_events(session, instance_id))
