"""Process models, their configuration versions, instances and the task index."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class ProcessConfig(Base):
    """One version of a process's settings (deadlines, return rounds, routing); the newest applies.

    New instances start with the newest values in their data, so a change
    reaches work started after it without redeploying the model.
    """

    __tablename__ = "process_configs"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstanceStatus(StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class ProcessInstance(Base):
    """A running or finished process with its serialized SpiffWorkflow state.

    ``state`` holds the workflow without its spec (the spec is rebuilt once per
    model version from ``process_models.bpmn_xml``). ``version`` is the
    optimistic lock; ``next_timer_at`` lets the timer sweep find due instances
    without loading any workflow.
    """

    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_process_instances_region_status", "region_code", "status"),
        Index("ix_process_instances_enterprise_status", "enterprise_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("process_models.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    model_version: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    region_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), default=InstanceStatus.RUNNING)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}


class ProcessModel(Base):
    """One deployed version of a BPMN process with the form definitions it references.

    Several versions live side by side; new instances take the active one and a
    running instance stays on the version it started with.
    """

    __tablename__ = "process_models"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskStatus(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class NoteKind(StrEnum):
    DELEGATE = "delegate"  # a request for an opinion (委派)
    OPINION = "opinion"  # the delegate's answer
    COPY = "copy"  # 抄送
    URGE = "urge"  # 催办
    TRANSFER = "transfer"  # 转办


class HumanTask(Base):
    """The index of user tasks: one row per activation of a human step.

    Written in the same transaction as the workflow state it mirrors, so lists
    and permission checks never need to load a workflow. A step that is reset
    (returned to, withdrawn) keeps its SpiffWorkflow id, so each activation gets
    its own row ``id`` and points at the workflow task by ``spiff_task_id``.
    ``assignee`` pins a step to one person (countersign, transfer);
    ``delegated_to`` hands it to someone for an opinion until they answer.
    """

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_role_status_region", "role", "status", "region_code"),
        Index("ix_human_tasks_enterprise_status", "enterprise_code", "status"),
        Index("ix_human_tasks_completed_by", "completed_by"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    spec_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(12))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    subject: Mapped[str] = mapped_column(String(300), default="")
    # generic facts from the start data, for filters: the kind of case (e.g. anomaly type), the object
    # it concerns (e.g. monitoring point MN) and the party's name (e.g. enterprise name)
    kind: Mapped[str | None] = mapped_column(String(60), index=True)
    point: Mapped[str | None] = mapped_column(String(60), index=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.READY)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # the due time was counted over a year whose holiday schedule is not entered yet (weekends only)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the process configuration version in force when the task was created (None: the shipped defaults)
    config_version: Mapped[int | None] = mapped_column(Integer)
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)
    delegated_to: Mapped[str | None] = mapped_column(String(100), index=True)
    delegated_by: Mapped[str | None] = mapped_column(String(100))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(60))
    opinion: Mapped[str | None] = mapped_column(Text)
    submitted: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TaskNote(Base):
    """What people say about a task besides completing it: copies, urgings, delegated opinions, transfers."""

    __tablename__ = "task_notes"
    __table_args__ = (Index("ix_task_notes_target_kind", "target", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    author: Mapped[str] = mapped_column(String(100))
    target: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
