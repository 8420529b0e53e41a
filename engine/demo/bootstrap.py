"""Demo data for ``make demo``: the bundled models, the demo accounts and instances in several states."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.calendar import holidays as workday_calendar
from engine.demo.accounts import (
    ADMIN,
    DEMO_ENTERPRISES,
    DEMO_PASSWORD,
    DEMO_REVIEWERS,
    DemoEnterprise,
)
from engine.demo.inspection import seed_inspection
from engine.demo.inspection_cases import seed_inspection_cases
from engine.demo.libraries import seed_libraries
from engine.demo.monitoring import seed_monitoring
from engine.demo.processes import seed_processes
from engine.demo.risk import seed_risk_sources
from engine.emergency.risk.plans import local_today
from engine.identity import local_users as users
from engine.identity.models import LocalUser
from engine.instances import service as instances
from engine.tasks import actions as tasks
from engine.workflow import deployment as processes
from engine.workflow.bundle import bundled_model_files, read_model_file
from engine.workflow.models import HumanTask, TaskStatus

log = logging.getLogger(__name__)

def seed(session: Session, *, history: bool = False) -> None:
    """Idempotent: deploys models and creates accounts and instances only where missing.

    :param history: also a year of worked anomaly cases for the dashboards and two credit rating rounds
        (2023 published, 2026 under notice), and 双随机 inspections in every state (``ecoloop demo``; not in tests).
    """
    for path in bundled_model_files():
        processes.deploy(session, ADMIN, *read_model_file(path))
    workday_calendar.seed(session)  # the statutory calendar as editable data (idempotent)
    seed_monitoring(session)
    if session.scalar(select(LocalUser.id).where(LocalUser.username == "admin")) is not None:
        return
    _create_accounts(session)
    _create_instances(session)
    seed_processes(session, DEMO_ENTERPRISES, DEMO_PASSWORD)
    seed_libraries(session)
    seed_risk_sources(session, today=local_today())
    if history:
        from engine.config import load_settings
        from engine.demo.credit import seed_credit_rounds
        from engine.demo.datacheck import seed_datacheck
        from engine.demo.exchange import seed_exchange
        from engine.demo.history import seed_history
        from engine.demo.replay import seed_replay
        from engine.evidence.filestore import LocalFileStore

        seed_history(session)
        seed_replay(session)
        seed_credit_rounds(session, LocalFileStore(load_settings().evidence_dir))
        seed_exchange(session)
        seed_datacheck(session)
    seed_inspection(session)  # after the credit rounds: their published levels feed the classes
    if history:
        seed_inspection_cases(session)  # works the draws seed_inspection made into every state


def _create_accounts(session: Session) -> None:
    users.create(session, "admin", DEMO_PASSWORD, [Role.ADMIN], region_code="440000",
                 display_name="系统管理员", is_demo=True)
    for username, name, role, region in DEMO_REVIEWERS:
        users.create(session, username, DEMO_PASSWORD, [role], region_code=region, display_name=name, is_demo=True)
    for enterprise in DEMO_ENTERPRISES:
        users.create(session, enterprise.credit_code, DEMO_PASSWORD, [Role.ENTERPRISE],
                     region_code=enterprise.region_code, enterprise_code=enterprise.credit_code,
                     display_name=enterprise.name, is_demo=True)


ANOMALIES = (
    ("a21026", "二氧化硫小时均值超标", "exceedance", True),
    ("w01018", "COD 恒值", "constant", False),
    ("w21003", "氨氮数据缺失", "missing", False),
    ("a34013", "颗粒物超标", "exceedance", False),
)


def _create_instances(session: Session) -> None:
    for index, enterprise in enumerate(DEMO_ENTERPRISES):
        for number, (factor, title, kind, key_unit) in enumerate(ANOMALIES):
            row = instances.start(session, ADMIN, instances.StartRequest(
                process_key="anomaly_closure", region_code=enterprise.region_code,
                enterprise_code=enterprise.credit_code, business_key=f"demo-{index}-{number}",
                subject=f"{enterprise.name} · {title}",
                data={"anomaly_type": kind, "key_unit": key_unit, "factor": factor,
                      "point_mn": f"4401{index:02d}0000000000000000{number:02d}"[:24],
                      "period": "2026-11-25T08:00:00+08:00/PT1H"},
            ))
            if number >= 2:
                _explain(session, enterprise, row.id)


def _explain(session: Session, enterprise: DemoEnterprise, instance_id: int) -> None:
    actor = Actor(enterprise.credit_code, frozenset({Role.ENTERPRISE}), enterprise.region_code, enterprise.credit_code)
    task = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.READY)).one()
    tasks.complete(session, actor, task.id, {
        "reason": "communication_fault", "description": "数采仪通讯模块故障，已于次日更换。",
        "measures": "更换通讯模块并补传数据。"})
