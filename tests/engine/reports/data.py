"""A small province for report tests: three enterprises in Guangzhou and Shenzhen, October 2026.

Rows are written directly, with fixed times, so every figure a report shows can be
checked against the data it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from engine.credit.models import CreditObjection, CreditRating, RatingChange
from engine.emergency.models import EmergencyPlanFiling
from engine.monitoring.models import (
    AnomalyCase,
    Enterprise,
    Measurement,
    MonitoringPoint,
    PointFactor,
)
from engine.support.models import SupportTicket
from engine.tax.models import TaxReview
from engine.workflow.models import HumanTask, ProcessInstance, ProcessModel
from tests.support.actors import ENTERPRISE_BAIYUN, ENTERPRISE_FUTIAN, ENTERPRISE_TIANHE

CHINA = timezone(timedelta(hours=8))
OCT = datetime(2026, 10, 1, tzinfo=CHINA)
NOW = datetime(2026, 11, 5, 9, 0, tzinfo=CHINA)
HOURS_IN_OCTOBER = 31 * 24
INCINERATION = "垃圾焚烧"


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=CHINA)


@dataclass
class Province:
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    points: dict[str, MonitoringPoint] = field(default_factory=dict)
    instances: dict[str, ProcessInstance] = field(default_factory=dict)
    cases: dict[str, AnomalyCase] = field(default_factory=dict)
    tickets: list[SupportTicket] = field(default_factory=list)
    reviews: list[TaxReview] = field(default_factory=list)


def build(session: Session) -> Province:
    p = Province()
    _registry(session, p)
    _measurements(session, p)
    model = ProcessModel(key="anomaly_closure", version=1, name="异常闭环", bpmn_xml="<x/>", forms={},
                         sha256="0" * 64, is_active=True, deployed_by="test")
    session.add(model)
    session.flush()
    _anomaly_cases(session, p, model)
    _tickets(session, p, model)
    _tax_and_credit(session, p, model)
    session.flush()
    return p


def _registry(session: Session, p: Province) -> None:
    for key, code, name, region, industry in (
            ("tianhe", ENTERPRISE_TIANHE, "天河焚烧发电厂", "440106", INCINERATION),
            ("baiyun", ENTERPRISE_BAIYUN, "白云焚烧发电厂", "440111", INCINERATION),
            ("futian", ENTERPRISE_FUTIAN, "福田热电厂", "440304", "火力发电")):
        enterprise = Enterprise(credit_code=code, name=name, region_code=region, industry=industry, key_unit=True)
        session.add(enterprise)
        session.flush()
        point = MonitoringPoint(enterprise_id=enterprise.id, mn=f"MN-{key.upper()}", name=f"{name}1号烟囱", kind="air",
                                password_hash="x", monitoring_since=datetime(2026, 9, 1, tzinfo=CHINA))
        session.add(point)
        session.flush()
        session.add_all([PointFactor(point_id=point.id, code=c, rule_params={}) for c in ("a21026", "a34013")])
        p.enterprises[key], p.points[key] = enterprise, point
    session.flush()


def received_hours(key: str) -> int:
    """Tianhe and Futian report every hour of October; Baiyun misses 144 hours (80.6 %)."""
    return HOURS_IN_OCTOBER - 144 if key == "baiyun" else HOURS_IN_OCTOBER


def valid_values(key: str) -> int:
    """Futian's first 100 records carry one invalid value each."""
    return received_hours(key) * 2 - (100 if key == "futian" else 0)


def _measurements(session: Session, p: Province) -> None:
    rows: list[dict[str, Any]] = []
    for key, point in p.points.items():
        for hour in range(received_hours(key)):
            rows.append({"point_id": point.id, "cn": "2061", "data_time": OCT + timedelta(hours=hour),
                         "factors": {}, "n_factors": 2, "n_valid": 1 if key == "futian" and hour < 100 else 2,
                         "revision": 1, "received_at": OCT + timedelta(hours=hour, minutes=70), "delay_s": 600})
    session.execute(insert(Measurement), rows)


def _instance(session: Session, p: Province, model: ProcessModel, key: str, enterprise: str, *, started: datetime,
              ended: datetime | None, process_key: str = "anomaly_closure") -> ProcessInstance:
    e = p.enterprises[enterprise]
    instance = ProcessInstance(model_id=model.id, process_key=process_key, model_version=1, business_key=key,
                               subject=key, enterprise_code=e.credit_code, region_code=e.region_code,
                               status="completed" if ended else "running", state="{}", serializer_version="1",
                               version=1, started_by="test", started_at=started, ended_at=ended)
    session.add(instance)
    session.flush()
    p.instances[key] = instance
    return instance


def task(session: Session, instance: ProcessInstance, n: int, title: str, form_key: str, role: str, status: str, *,
         created: datetime, completed: datetime | None = None, by: str | None = None, outcome: str | None = None,
         opinion: str | None = None, submitted: dict[str, Any] | None = None, due: datetime | None = None) -> None:
    session.add(HumanTask(
        id=f"{instance.id}-{n}", spiff_task_id=f"{instance.id}-{n}", instance_id=instance.id,
        process_key=instance.process_key, spec_name=form_key, title=title, lane=role, role=role, form_key=form_key,
        region_code=instance.region_code, enterprise_code=instance.enterprise_code, status=status, due_at=due,
        created_at=created, completed_at=completed, completed_by=by, outcome=outcome, opinion=opinion,
        submitted=submitted))


def _anomaly_cases(session: Session, p: Province, model: ProcessModel) -> None:
    # Tianhe: explained, county accepted, city accepted -> closed after 72 hours
    i = _instance(session, p, model, "case-tianhe", "tianhe", started=at(2), ended=at(5))
    task(session, i, 1, "企业说明", "anomaly_explanation", "enterprise", "completed", created=at(2), completed=at(3),
         by="ent-tianhe", submitted={"reason": "equipment_fault", "description": "分析仪故障", "measures": "已更换"})
    task(session, i, 2, "区县审核", "county_review", "county_reviewer", "completed", created=at(3), completed=at(4),
         by="county-440106", outcome="accept", opinion="说明属实")
    task(session, i, 3, "地市审核", "city_review", "city_reviewer", "completed", created=at(4), completed=at(5),
         by="city-440100", outcome="accept", opinion="同意办结")
    # Baiyun: explanation returned once, then overdue at the county
    j = _instance(session, p, model, "case-baiyun", "baiyun", started=at(10), ended=None)
    task(session, j, 1, "企业说明", "anomaly_explanation", "enterprise", "completed", created=at(10), completed=at(11),
         by="ent-baiyun", submitted={"reason": "other", "description": "原因待查"})
    task(session, j, 2, "区县审核", "county_review", "county_reviewer", "returned", created=at(11), completed=at(12),
         by="county-440111", outcome="return", opinion="证据不足，请补充")
    task(session, j, 3, "企业说明", "anomaly_explanation", "enterprise", "completed", created=at(12), completed=at(13),
         by="ent-baiyun", submitted={"reason": "other", "description": "补充运维记录"})
    task(session, j, 4, "区县审核", "county_review", "county_reviewer", "ready", created=at(13), due=at(20))
    # Futian (Shenzhen): closed after 24 hours
    k = _instance(session, p, model, "case-futian", "futian", started=at(6), ended=at(7))
    task(session, k, 1, "企业说明", "anomaly_explanation", "enterprise", "completed", created=at(6), completed=at(7),
         by="ent-futian", submitted={"reason": "calibration", "description": "校准"})
    for key, instance, closed in (("tianhe", i, at(5)), ("baiyun", j, None), ("futian", k, at(7))):
        case = AnomalyCase(point_id=p.points[key].id, factor="a21026", anomaly_type="exceedance",
                           routed_type="exceedance", period_start=instance.started_at - timedelta(hours=3),
                           period_end=instance.started_at - timedelta(hours=1), instance_id=instance.id, values=[],
                           anomaly_count=3, closed_at=closed, conclusion="accepted" if closed else None,
                           synced_at=closed, created_at=instance.started_at)
        session.add(case)
        p.cases[key] = case


def _tickets(session: Session, p: Province, model: ProcessModel) -> None:
    for n, (key, subsystem, status, opened, closed) in enumerate((
            ("tianhe", "数据采集传输", "closed", at(8), at(9)),
            ("baiyun", "数据采集传输", "assigned", at(15), None),
            ("futian", "视频监控", "open", at(16), None)), start=1):
        instance = _instance(session, p, model, f"ticket-{n}", key, started=opened, ended=closed,
                             process_key="support_ticket")
        task(session, instance, 1, "受理分派", "ticket_triage", "admin", "completed", created=opened,
             completed=opened + timedelta(hours=1), by="admin", outcome="assign", opinion=f"派单{n}")
        e = p.enterprises[key]
        ticket = SupportTicket(ticket_no=f"JS2026100{n}", instance_id=instance.id, subsystem=subsystem,
                               summary=f"工单{n}数据不上传", reporter=f"ent-{key}", region_code=e.region_code,
                               enterprise_code=e.credit_code, status=status, opened_at=opened, closed_at=closed)
        session.add(ticket)
        p.tickets.append(ticket)


def _tax_and_credit(session: Session, p: Province, model: ProcessModel) -> None:
    for n, (key, received, answered) in enumerate((
            ("tianhe", at(3), at(6)), ("baiyun", at(4), at(24)), ("tianhe", at(20), None)), start=1):
        instance = _instance(session, p, model, f"tax-{n}", key, started=received, ended=answered,
                             process_key="tax_review")
        e = p.enterprises[key]
        review = TaxReview(request_no=f"SW-2026-{n:03d}", instance_id=instance.id, enterprise_code=e.credit_code,
                           region_code=e.region_code, tax_period="2026-09", reason="数据异常", reported={},
                           requested_by="tax", received_at=received, due_at=received + timedelta(days=15),
                           status="answered" if answered else "open", answered_at=answered,
                           conclusion="confirmed" if answered else None)
        session.add(review)
        p.reviews.append(review)
    tianhe = p.enterprises["tianhe"]
    rating = CreditRating(enterprise_code=tianhe.credit_code, enterprise_name=tianhe.name, region_code="440106",
                          year=2026, level=2, status="published", assessing_level="county", deciding_level="city",
                          published_at=at(25))
    session.add(rating)
    session.flush()
    session.add(CreditObjection(rating_id=rating.id, instance_id=900001, enterprise_code=tianhe.credit_code,
                                status="corrected", reasons="处罚已撤销", requested_level=2, filed_by="ent-tianhe",
                                filed_at=at(12), result_level=2, result_note="采纳", decided_at=at(20)))
    session.add(RatingChange(rating_id=rating.id, from_level=3, to_level=2, reason="objection", changed_by="city",
                             changed_at=at(20)))
    session.add(EmergencyPlanFiling(instance_id=900002, enterprise_code=tianhe.credit_code, region_code="440106",
                                    status="filed", filing_number="440106-2026-001", filed_at=at(18), created_at=at(14)))
