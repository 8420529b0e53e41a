"""A year of closed and open anomaly cases for the demo, so dashboards and lists look like a working province.

Every case runs through the real engine (start, explain, reviews); afterwards its
instance and task timestamps are moved back in time, spread over the last twelve
months. The audit trail keeps the true (seeding) times: it is never rewritten.
Only ``ecoloop demo`` seeds this; tests seed the small demo.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.anomalies.cases import TYPE_LABELS
from engine.db import utcnow
from engine.demo.accounts import ADMIN
from engine.demo.monitoring import credit_code
from engine.instances import service as instances
from engine.monitoring.codes import FACTORS
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus

log = logging.getLogger(__name__)

# (region, enterprise name)
PLACES = (
    ("440106", "广州天河热力"), ("440111", "广州白云水务"), ("440113", "广州番禺印染"), ("440303", "深圳罗湖电镀"),
    ("440306", "深圳宝安线路板"), ("440605", "佛山南海陶瓷"), ("440606", "佛山顺德家电"), ("441302", "惠州惠城石化"),
    ("440402", "珠海香洲电厂"), ("440703", "江门蓬江造纸"), ("440513", "汕头潮阳印染"), ("441802", "清远清城水泥"),
)
KINDS = (  # (anomaly type, factor, weight)
    ("exceedance", "a21026", 6), ("exceedance", "w01018", 4), ("missing", "w21003", 4), ("constant", "w01018", 3),
    ("zero", "a34013", 2), ("sudden_change", "a21002", 2), ("flag", "a19001", 1), ("repeated", "a21026", 1),
)
EXPLANATIONS = (
    ("maintenance", "脱硫设施例行检修，检修期间数据已标记。"), ("communication_fault", "数采仪通讯中断，已更换通讯模块并补传数据。"),
    ("calibration", "分析仪季度标定，标定记录已上传。"), ("abnormal_operation", "锅炉启停阶段工况不稳定，已调整运行参数。"),
    ("equipment_fault", "采样泵故障，已维修并复测。"),
)
WORKER_ROLES = frozenset({Role.ENTERPRISE, Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER})


def seed_history(session: Session, cases: int = 72, now: datetime | None = None) -> int:
    """Start and work ``cases`` anomaly cases, about four in five of them to the end; returns how many."""
    rng = random.Random(2026)
    now = now or utcnow()
    kinds = [k for k in KINDS for _ in range(k[2])]
    for number in range(cases):
        region, name = PLACES[number % len(PLACES)]
        kind, factor, _ = rng.choice(kinds)
        code = credit_code(region, 900 + number % len(PLACES))
        row = instances.start(session, ADMIN, instances.StartRequest(
            process_key="anomaly_closure", region_code=region, enterprise_code=code,
            business_key=f"history-{number:03d}", subject=f"{name}有限公司 · {_title(kind, factor)}",
            data={"anomaly_type": kind, "factor": factor, "key_unit": rng.random() < 0.3,
                  "point_mn": f"{region}HIST{number % len(PLACES):014d}", "enterprise_name": f"{name}有限公司"}))
        days_ago = min(360, int(rng.expovariate(1 / 70)))
        closing = days_ago > 6 and rng.random() < 0.85
        _work(session, row, rng, closing)
        _backdate(session, row, now - timedelta(days=days_ago, hours=rng.randint(0, 20)), rng)
    session.flush()
    log.info("seeded %d historical anomaly cases", cases)
    return cases


def _title(kind: str, factor: str) -> str:
    known = FACTORS.get(factor)
    return f"{known.name if known else factor}{TYPE_LABELS.get(kind, kind)}"


def _answers(spec_name: str, rng: random.Random) -> dict[str, Any]:
    if spec_name == "explain":
        reason, text = rng.choice(EXPLANATIONS)
        return {"reason": "other" if reason in ("maintenance", "calibration", "equipment_fault") else reason,
                "description": text, "measures": "加强日常巡检。"}
    decision = {"decision": "accept", "conclusion": rng.choice(["explanation_accepted", "equipment_fixed",
                                                                 "confirmed_exceedance"])}
    return decision


def _work(session: Session, row: ProcessInstance, rng: random.Random, closing: bool) -> None:
    steps = 6 if closing else rng.randint(0, 1)
    for _ in range(steps):
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == row.id,
                                                       HumanTask.status == TaskStatus.READY)).first()
        if task is None:
            return
        worker = Actor("demo-history", WORKER_ROLES, task.region_code, task.enterprise_code, "历史数据")
        tasks.complete(session, worker, task.id, _answers(task.spec_name, rng))


def _backdate(session: Session, row: ProcessInstance, started: datetime, rng: random.Random) -> None:
    """Move the case to ``started``: each step took a few hours to a few days."""
    moment = started
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == row.id)
                                .order_by(HumanTask.created_at)):
        values: dict[str, Any] = {"created_at": moment, "due_at": moment + timedelta(days=7)}
        if task.completed_at is not None:
            moment = moment + timedelta(hours=rng.randint(3, 96))
            values.update(completed_at=moment, completed_by=task.completed_by)
        session.execute(update(HumanTask).where(HumanTask.id == task.id).values(**values))
    ended = moment if row.ended_at is not None else None
    session.execute(update(ProcessInstance).where(ProcessInstance.id == row.id)
                    .values(started_at=started, ended_at=ended)
                    .execution_options(synchronize_session=False))
    session.expire(row)
