"""Helpers for the web UI tests: start and walk cases in the app's database, add colleagues, read pages."""

from __future__ import annotations

import itertools
import re
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.demo.accounts import ADMIN, DEMO_ENTERPRISES
from engine.workflow.models import HumanTask, TaskStatus
from engine.instances import service as instances
from engine.notifications import centre as notifications
from engine.tasks import actions as tasks
from engine.identity import local_users as users
from engine.instances.service import StartRequest

TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})"')
TIANHE = DEMO_ENTERPRISES[0]
BAIYUN = DEMO_ENTERPRISES[1]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_numbers = itertools.count(1)

ACCEPT: dict[str, dict[str, Any]] = {
    "explain": {"reason": "other", "description": "仪表漂移，已重新标定"},
    "county_review": {"decision": "accept"},
    "city_review": {"decision": "accept"},
    "province_review": {"decision": "accept", "conclusion": "confirmed_exceedance"},
}


def sessions(app: Flask) -> Any:
    return app.extensions["ecoloop.sessions"]


def start_case(app: Flask, enterprise: Any = TIANHE, **data: Any) -> int:
    """Start an anomaly case for a demo enterprise; returns the instance id."""
    values: dict[str, Any] = {"anomaly_type": "exceedance", "key_unit": True, "factor": "w01018",
                              "point_mn": f"UITEST{next(_numbers):018d}"}
    values.update(data)
    with sessions(app).begin() as session:
        row = instances.start(session, ADMIN, StartRequest(
            process_key="anomaly_closure", region_code=enterprise.region_code,
            enterprise_code=enterprise.credit_code, business_key=f"ui-{next(_numbers)}",
            subject=f"{enterprise.name} · 测试事项 {next(_numbers)}", data=values))
        return row.id


def ready_task(app: Flask, instance_id: int) -> HumanTask:
    with sessions(app)() as session:
        return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                       HumanTask.status == TaskStatus.READY)).one()


def worker(session: Session, task: HumanTask) -> Actor:
    roles = frozenset({Role.ENTERPRISE, Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER})
    return Actor("worker", roles, task.region_code, task.enterprise_code)


def walk_to(app: Flask, instance_id: int, step: str) -> HumanTask:
    """Accept every step until the case waits at ``step``."""
    for _ in range(6):
        task = ready_task(app, instance_id)
        if task.spec_name == step:
            return task
        with sessions(app).begin() as session:
            tasks.complete(session, worker(session, task), task.id, ACCEPT[task.spec_name])
    raise AssertionError(f"instance {instance_id} never reached {step}")


def add_user(app: Flask, username: str, role: Role, region: str, name: str = "") -> None:
    with sessions(app).begin() as session:
        users.create(session, username, "demo", [role], region_code=region, display_name=name or username,
                     is_demo=True)


def set_due(app: Flask, task_id: str, due: Any) -> None:
    with sessions(app).begin() as session:
        session.execute(update(HumanTask).where(HumanTask.id == task_id).values(due_at=due))


def project(app: Flask) -> None:
    with sessions(app).begin() as session:
        notifications.project(session)


def task_ids(page: str) -> list[str]:
    return list(dict.fromkeys(TASK_LINK.findall(page)))
