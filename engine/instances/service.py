"""Process instances: start, read, and the admin operations suspend, resume and terminate."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM, Actor, Role
from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.db import utcnow, valid_id
from engine.errors import Conflict, InstanceNotFound, InvalidInput, NotAllowed
from engine.identifiers import valid_credit_code, valid_region
from engine.scoping import can_see_instance, covers_region, require_admin
from engine.workflow import configs, runtime
from engine.workflow import hooks as process_hooks
from engine.workflow.deployment import active_model, compiled
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    ProcessModel,
    TaskStatus,
)
from engine.workflow.serialization import SERIALIZER_VERSION
from engine.write_batch import WriteBatch

log = logging.getLogger(__name__)

STARTER_ROLES = frozenset({Role.ADMIN, Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER})


@dataclass(frozen=True)
class StartRequest:
    """What starting an instance needs; ``data`` becomes the process's start data."""

    process_key: str
    region_code: str
    enterprise_code: str | None = None
    business_key: str | None = None
    subject: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def start(session: Session, actor: Actor, request: StartRequest) -> ProcessInstance:
    """Start the active version of a process and run it to its first wait state.

    :raises NotAllowed: when the actor may not start work in that region or for that enterprise.
    :raises InvalidInput: when the region or credit code is not valid, or the process's
        ``before_start`` hook refuses the data (see :mod:`engine.workflow.hooks`).
    :raises ProcessNotFound: when no such process is deployed.
    """
    _check_identifiers(request)
    _check_may_start(actor, request)
    model = active_model(session, request.process_key)
    config = configs.current_values(session, model.key)
    start_data = process_hooks.start_data(process_hooks.StartContext(
        session, actor, model.key, request.region_code, request.enterprise_code, request.business_key,
        request.data, config))
    data = {**config, **start_data}
    data.update(region_code=request.region_code, enterprise_code=request.enterprise_code,
                config_version=configs.current_version(session, model.key))
    workflow = runtime.new_workflow(model, data)
    row = ProcessInstance(
        model_id=model.id, process_key=model.key, model_version=model.version,
        business_key=request.business_key, subject=request.subject[:300],
        enterprise_code=request.enterprise_code, region_code=request.region_code,
        status=InstanceStatus.RUNNING, state="{}", serializer_version=SERIALIZER_VERSION,
        started_by=actor.username,
    )
    session.add(row)
    session.flush()

    def record(writes: WriteBatch, created: list[HumanTask]) -> None:
        audit.record(
            session, actor, "instance.start", instance_id=row.id, writes=writes,
            payload={"process": model.key, "version": model.version, "business_key": request.business_key,
                     "data": start_data, "tasks": [t.spec_name for t in created]},
        )

    runtime.advance(session, runtime.LiveInstance(row, compiled(model), workflow), actor=actor, then_write=record)
    log.info("started instance %s of %s v%s", row.id, model.key, model.version)
    return row


def _check_identifiers(request: StartRequest) -> None:
    errors: dict[str, list[str]] = {}
    if not valid_region(request.region_code):
        errors["region_code"] = [f"{request.region_code!r} 不是有效的广东省行政区划代码 (not a Guangdong region code)"]
    if request.enterprise_code is not None and not valid_credit_code(request.enterprise_code):
        errors["enterprise_code"] = [f"{request.enterprise_code!r} 不是有效的统一社会信用代码 (invalid credit code)"]
    if errors:
        raise InvalidInput("cannot start the process", fields=errors)


def check_may_start(actor: Actor, request: StartRequest) -> None:
    """The rule :func:`start` applies, for pages that offer a start before anything is filled in.

    :raises NotAllowed: when the actor may not start this process in that region or for that enterprise.
    """
    _check_may_start(actor, request)


def _check_may_start(actor: Actor, request: StartRequest) -> None:
    if actor is SYSTEM or actor.is_admin:
        return
    if any(covers_region(role, actor.region_code, request.region_code) for role in actor.roles & STARTER_ROLES):
        return
    if Role.TAX_CLIENT in actor.roles and request.process_key == "tax_review":
        return
    if process_hooks.lets_start(actor, request.process_key, request.region_code, request.enterprise_code):
        return
    raise NotAllowed(f"{actor.username} may not start {request.process_key} in region {request.region_code}")


def get(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """:raises InstanceNotFound: when it does not exist or lies outside the actor's scope."""
    row = session.get(ProcessInstance, instance_id) if valid_id(instance_id) else None
    if row is None or not can_see_instance(actor, row.region_code, row.enterprise_code, row.process_key):
        raise InstanceNotFound(f"instance {instance_id} not found")
    return row


def timeline(session: Session, actor: Actor, instance_id: int) -> list[AuditEvent]:
    """Every audit event of an instance, oldest first."""
    get(session, actor, instance_id)
    return audit.instance_events(session, instance_id)


def suspend(session: Session, actor: Actor, instance_id: int, reason: str = "") -> ProcessInstance:
    return _change_status(session, actor, instance_id, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, reason)


def resume(session: Session, actor: Actor, instance_id: int, reason: str = "") -> ProcessInstance:
    return _change_status(session, actor, instance_id, InstanceStatus.SUSPENDED, InstanceStatus.RUNNING, reason)


def terminate(session: Session, actor: Actor, instance_id: int, reason: str = "") -> ProcessInstance:
    """End an instance for good: its open tasks are cancelled and its timers dropped."""
    row = _change_status(session, actor, instance_id, None, InstanceStatus.TERMINATED, reason)
    now = utcnow()
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == row.id, HumanTask.status == TaskStatus.READY)):
        task.status, task.completed_at = TaskStatus.CANCELLED, now
    row.ended_at, row.next_timer_at = now, None
    session.flush()
    return row


def _change_status(
    session: Session, actor: Actor, instance_id: int, required: InstanceStatus | None, new: InstanceStatus, reason: str
) -> ProcessInstance:
    require_admin(actor, "only administrators suspend, resume or terminate instances")
    get(session, actor, instance_id)
    row = runtime.lock_instance(session, instance_id)
    finished = row.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)
    if finished or (required is not None and row.status != required):
        raise Conflict(f"instance {instance_id} is {row.status} and cannot become {new}")
    previous, row.status = row.status, new
    session.flush()
    audit.record(session, actor, _ACTIONS[new], instance_id=row.id,
                 payload={"from": previous, "to": new.value, "reason": reason})
    log.info("instance %s %s by %s", row.id, new.value, actor.username)
    return row


_ACTIONS = {InstanceStatus.SUSPENDED: "instance.suspend", InstanceStatus.RUNNING: "instance.resume",
            InstanceStatus.TERMINATED: "instance.terminate"}


@dataclass(frozen=True)
class InstanceOverview:
    """An instance page: the row, its model's diagram, its steps and its audit timeline."""

    instance: ProcessInstance
    bpmn_xml: str
    tasks: list[HumanTask]
    events: list[AuditEvent]
    finished_steps: frozenset[str]
    current_steps: frozenset[str]


def overview(session: Session, actor: Actor, instance_id: int) -> InstanceOverview:
    """:raises InstanceNotFound: outside the actor's scope."""
    row = get(session, actor, instance_id)
    model = session.get(ProcessModel, row.model_id)
    assert model is not None
    steps = list(session.scalars(
        select(HumanTask).where(HumanTask.instance_id == row.id).order_by(HumanTask.created_at)
    ))
    return InstanceOverview(
        instance=row,
        bpmn_xml=model.bpmn_xml,
        tasks=steps,
        events=audit.instance_events(session, row.id),
        finished_steps=frozenset(runtime.element_id(t.spec_name) for t in steps if t.status == TaskStatus.COMPLETED),
        current_steps=frozenset(runtime.element_id(t.spec_name) for t in steps if t.status == TaskStatus.READY),
    )
