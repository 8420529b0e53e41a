"""Helpers that start and walk the bundled anomaly_closure process in tests."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.workflow.bundle import BUNDLED_DIR, read_model_file
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.instances import service as instances
from engine.tasks import actions as tasks
from engine.instances.service import StartRequest
from tests.support.actors import ADMIN, ENTERPRISE_FUTIAN, ENTERPRISE_TIANHE

PROCESS_KEY = "anomaly_closure"
FUTIAN = "440304"
EXPLANATION = {"reason": "other", "description": "仪表漂移,已重新标定"}
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

COUNTY_FUTIAN = Actor("county-440304", frozenset({Role.COUNTY_REVIEWER}), FUTIAN)
ENT_FUTIAN = Actor("ent-futian", frozenset({Role.ENTERPRISE}), FUTIAN, ENTERPRISE_FUTIAN)

# accepting at each step walks the default flow: explain → county → city → province (exceedance at a key unit)
_ACCEPT = {
    "explain": EXPLANATION,
    "county_review": {"decision": "accept"},
    "city_review": {"decision": "accept"},
    "province_review": {"decision": "accept", "conclusion": "confirmed_exceedance"},
}


def bundled_model() -> tuple[str, dict[str, Any]]:
    """The bundled anomaly_closure model as text (for string edits) and its forms."""
    xml, forms = read_model_file(BUNDLED_DIR / f"{PROCESS_KEY}.bpmn")
    return xml.decode("utf-8"), forms


def start_anomaly(
    session: Session,
    *,
    region_code: str = "440106",
    enterprise_code: str | None = ENTERPRISE_TIANHE,
    actor: Actor = ADMIN,
    business_key: str = "anomaly-1",
    **data: Any,
) -> ProcessInstance:
    """Start an anomaly_closure instance (an exceedance at a key unit unless ``data`` says otherwise)."""
    values: dict[str, Any] = {"anomaly_type": "exceedance", "key_unit": True, "factor": "w01018"}
    values.update(data)
    request = StartRequest(
        process_key=PROCESS_KEY, region_code=region_code, enterprise_code=enterprise_code,
        business_key=business_key, subject="COD 超标", data=values,
    )
    return instances.start(session, actor, request)


def ready_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    return list(session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.READY)
        .order_by(HumanTask.created_at)
    ))


def ready_task(session: Session, instance_id: int) -> HumanTask:
    """The instance's one ready task (fails the test when there are none or several)."""
    (task,) = ready_tasks(session, instance_id)
    return task


def worker_for(instance: ProcessInstance) -> Actor:
    """An actor holding every working role within the instance's scope, to walk a flow in setup."""
    roles = frozenset({Role.ENTERPRISE, Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER})
    return Actor("worker", roles, instance.region_code, instance.enterprise_code)


def advance_to(session: Session, instance: ProcessInstance, step: str) -> HumanTask:
    """Accept every step until the instance waits at ``step``; return that task."""
    for _ in range(len(_ACCEPT)):
        task = ready_task(session, instance.id)
        if task.spec_name == step:
            return task
        tasks.complete(session, worker_for(instance), task.id, _ACCEPT[task.spec_name])
    raise AssertionError(f"instance {instance.id} never reached {step}")


def pdf_stream(tag: str = "") -> io.BytesIO:
    """A small valid PDF; different tags give different content (and so different sha256)."""
    return io.BytesIO(PDF + f"% {tag}\n".encode() if tag else PDF)
