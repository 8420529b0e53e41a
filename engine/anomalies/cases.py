"""Closure tasks for anomalies: each pending anomaly opens an ``anomaly_closure`` instance or joins one.

An anomaly joins the open case (its instance running or suspended) of the same
point, factor and type when their periods touch (``grouping.join_gap_hours``
allows a gap), so consecutive anomalous hours make one task. Otherwise it
opens a new case; when the point already had ``repeat_threshold`` cases in the
last ``repeat_window_days``, the case is routed as ``repeated``: its start data
carry ``repeated: true`` next to the detected ``anomaly_type``, which the model
routes to city review (``city_review_types`` lists ``repeated``) while keeping
province review for exceedances at key units.

Concurrency: pending anomalies are taken ``FOR UPDATE SKIP LOCKED``, then the
points' rows are locked in id order, so two workers never decide about the
same point at once; the unique key (point, factor, type, period start) on
``anomaly_cases`` is the last guard. On SQLite transactions begin IMMEDIATE,
which serializes writers anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM
from engine.audit import trail as audit
from engine.db import is_postgres, utcnow
from engine.instances import service as instances
from engine.monitoring import rules
from engine.monitoring.models import (
    Anomaly,
    AnomalyCase,
    Enterprise,
    MonitoringPoint,
    PointFactor,
)
from engine.workflow.models import InstanceStatus, ProcessInstance

log = logging.getLogger(__name__)

PROCESS_KEY = "anomaly_closure"
DEFAULT_BATCH = 20
MAX_CASE_VALUES = 200
CHINA = timezone(timedelta(hours=8))
OPEN_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)

TYPE_LABELS = {
    "exceedance": "超标", "zero": "零值", "constant": "恒值", "negative": "负值", "over_range": "超量程",
    "missing": "数据缺失", "sudden_change": "突变", "flag": "数据标记异常", "repeated": "重复异常",
}


@dataclass(frozen=True)
class Grouping:
    """The ``grouping`` settings as decisions: when an anomaly joins a case, when a new case is ``repeated``.

    The live loop (:func:`open_pending`) and the replay (:mod:`engine.replay`) both decide through it.
    """

    join_gap: timedelta
    repeat_window: timedelta
    repeat_threshold: int

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Grouping:
        return cls(timedelta(hours=params["join_gap_hours"]), timedelta(days=params["repeat_window_days"]),
                   int(params["repeat_threshold"]))

    def join_bounds(self, start: datetime, end: datetime) -> tuple[datetime, datetime]:
        """A case joins an anomaly of [start, end) when it ends at or after the first and starts by the second."""
        return start - self.join_gap, end + self.join_gap

    def joins(self, case_start: datetime, case_end: datetime, start: datetime, end: datetime) -> bool:
        low, high = self.join_bounds(start, end)
        return case_end >= low and case_start <= high

    def repeat_since(self, now: datetime) -> datetime | None:
        """Cases of the point opened since this moment count towards ``repeated`` (None: never repeated)."""
        return None if self.repeat_window <= timedelta(0) else now - self.repeat_window

    def is_repeated(self, earlier_cases: int) -> bool:
        return earlier_cases >= self.repeat_threshold


@dataclass
class OpenReport:
    opened: int = 0
    joined: int = 0

    @property
    def handled(self) -> int:
        return self.opened + self.joined


def open_pending(session: Session, *, limit: int = DEFAULT_BATCH, now: datetime | None = None) -> OpenReport:
    """Open or join the task of up to ``limit`` pending anomalies (one batch; the caller commits and repeats)."""
    query = (select(Anomaly).where(Anomaly.pending.is_(True))
             .order_by(Anomaly.point_id, Anomaly.factor, Anomaly.anomaly_type, Anomaly.period_start).limit(limit))
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=Anomaly)
    pending = list(session.scalars(query))
    report = OpenReport()
    if not pending:
        return report
    points = _lock_points(session, sorted({a.point_id for a in pending}))
    grouping = Grouping.of(rules.load_book(session).rule("grouping"))
    for anomaly in pending:
        session.refresh(anomaly)  # another worker may have handled it before we got the point lock
        if not anomaly.pending:
            continue
        case = _joinable(session, anomaly, grouping)
        if case is not None:
            _join(session, case, anomaly)
            report.joined += 1
        else:
            case = _open(session, anomaly, points[anomaly.point_id], grouping, now or utcnow())
            report.opened += 1
        anomaly.case_id, anomaly.pending = case.id, False
        session.flush()
    return report


def _lock_points(session: Session, point_ids: list[int]) -> dict[int, tuple[MonitoringPoint, Enterprise]]:
    rows = session.execute(
        select(MonitoringPoint, Enterprise).join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
        .where(MonitoringPoint.id.in_(point_ids)).order_by(MonitoringPoint.id)
        .with_for_update(of=MonitoringPoint)
    ).all()
    return {point.id: (point, enterprise) for point, enterprise in rows}


def _joinable(session: Session, anomaly: Anomaly, grouping: Grouping) -> AnomalyCase | None:
    low, high = grouping.join_bounds(anomaly.period_start, anomaly.period_end)
    return session.scalars(
        select(AnomalyCase).join(ProcessInstance, ProcessInstance.id == AnomalyCase.instance_id)
        .where(AnomalyCase.point_id == anomaly.point_id, AnomalyCase.factor == anomaly.factor,
               AnomalyCase.anomaly_type == anomaly.anomaly_type, ProcessInstance.status.in_(OPEN_STATUSES),
               AnomalyCase.period_end >= low, AnomalyCase.period_start <= high)
        .order_by(AnomalyCase.period_end.desc()).limit(1)
    ).first()


def _join(session: Session, case: AnomalyCase, anomaly: Anomaly) -> None:
    case.period_start = min(case.period_start, anomaly.period_start)
    case.period_end = max(case.period_end, anomaly.period_end)
    case.values = (list(case.values) + _fresh_values(case.values, anomaly.values))[-MAX_CASE_VALUES:]
    case.anomaly_count += 1
    case.updated_at = utcnow()
    audit.record(session, SYSTEM, "monitoring.anomaly_join", instance_id=case.instance_id, payload={
        "case_id": case.id, "anomaly_id": anomaly.id, "factor": anomaly.factor, "anomaly_type": anomaly.anomaly_type,
        "period": _period(anomaly.period_start, anomaly.period_end), "values": anomaly.values})
    log.info("anomaly %s joined case %s (instance %s)", anomaly.id, case.id, case.instance_id)


def _fresh_values(known: list[Any], values: list[Any]) -> list[Any]:
    seen = {item.get("t") for item in known if isinstance(item, dict)}
    return [item for item in values if item.get("t") not in seen]


def _open(
    session: Session, anomaly: Anomaly, owner: tuple[MonitoringPoint, Enterprise], grouping: Grouping,
    now: datetime,
) -> AnomalyCase:
    point, enterprise = owner
    routed = rules.REPEATED if _is_repeated(session, point.id, grouping, now) else anomaly.anomaly_type
    case = AnomalyCase(point_id=point.id, factor=anomaly.factor, anomaly_type=anomaly.anomaly_type,
                       routed_type=routed, period_start=anomaly.period_start, period_end=anomaly.period_end,
                       values=list(anomaly.values), anomaly_count=1, cleared_count=0)
    session.add(case)
    session.flush()
    instance = instances.start(session, SYSTEM, instances.StartRequest(
        process_key=PROCESS_KEY, region_code=enterprise.region_code, enterprise_code=enterprise.credit_code,
        business_key=f"anomaly-case-{case.id}", subject=_subject(session, point, enterprise, anomaly, routed),
        data=_start_data(point, enterprise, anomaly, routed, case.id)))
    case.instance_id = instance.id
    session.flush()
    audit.record(session, SYSTEM, "monitoring.case_open", instance_id=instance.id, payload={
        "case_id": case.id, "anomaly_id": anomaly.id, "mn": point.mn, "factor": anomaly.factor,
        "anomaly_type": anomaly.anomaly_type, "routed_type": routed, "params": anomaly.params})
    log.info("case %s opened as instance %s for %s %s %s", case.id, instance.id, point.mn, anomaly.factor, routed)
    return case


def _is_repeated(session: Session, point_id: int, grouping: Grouping, now: datetime) -> bool:
    since = grouping.repeat_since(now)
    if since is None:
        return False
    earlier = session.scalar(select(func.count()).select_from(AnomalyCase).where(
        AnomalyCase.point_id == point_id, AnomalyCase.created_at >= since, AnomalyCase.instance_id.is_not(None)))
    return grouping.is_repeated(int(earlier or 0))


def _period(start: datetime, end: datetime) -> str:
    return f"{start.astimezone(CHINA).isoformat()}/{end.astimezone(CHINA).isoformat()}"


def _start_data(point: MonitoringPoint, enterprise: Enterprise, anomaly: Anomaly, routed: str,
                case_id: int) -> dict[str, Any]:
    latest = next((item.get("v") for item in reversed(anomaly.values) if isinstance(item, dict)), None)
    return {
        "point_mn": point.mn, "point_name": point.name, "factor": anomaly.factor,
        "anomaly_type": anomaly.anomaly_type, "repeated": routed == rules.REPEATED, "rule": anomaly.anomaly_type,
        "key_unit": enterprise.key_unit, "enterprise_name": enterprise.name,
        "period": _period(anomaly.period_start, anomaly.period_end), "value": latest,
        "limit": anomaly.params.get("upper_limit", anomaly.params.get("lower_limit")),
        "values": list(anomaly.values)[:48], "params": dict(anomaly.params), "case_id": case_id,
    }


def _subject(session: Session, point: MonitoringPoint, enterprise: Enterprise, anomaly: Anomaly, routed: str) -> str:
    factor_name = session.scalar(select(PointFactor.name).where(
        PointFactor.point_id == point.id, PointFactor.code == anomaly.factor)) or anomaly.factor
    if anomaly.factor == "*":
        factor_name = "整包"
    label = TYPE_LABELS.get(anomaly.anomaly_type, anomaly.anomaly_type)
    prefix = "重复·" if routed == rules.REPEATED else ""
    return f"{enterprise.name} · {point.name} · {factor_name}{prefix}{label}"


def open_tasks_now(session: Session, *, batches: int = 10) -> OpenReport:
    """Open the tasks of pending anomalies inside a savepoint; failures are logged and left pending."""
    total = OpenReport()
    try:
        with session.begin_nested():
            for _ in range(batches):
                report = open_pending(session)
                total.opened, total.joined = total.opened + report.opened, total.joined + report.joined
                if report.handled < DEFAULT_BATCH:
                    break
    except Exception:  # the data is kept; the scheduler retries the pending anomalies
        log.exception("opening closure tasks failed; anomalies stay pending")
    return total
