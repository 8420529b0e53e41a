"""Demo instances of the credit, tax, emergency-plan and support processes, in several states.

Nothing waits at the city level, and every county step of Tianhe falls due after the
anomaly reviews there (the web tests rely on the demo's city list being empty).

Called once from :func:`engine.demo.bootstrap` after the demo accounts exist. Adds three accounts
(``province-2`` a second province countersigner, ``support`` technical support staff,
``tax-gd`` the tax department's system) and an evidence file per demo enterprise.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.config import load_settings
from engine.credit import objections, ratings, repairs
from engine.db import utcnow
from engine.emergency import filings
from engine.evidence import library as evidence
from engine.evidence.filestore import FileStore, LocalFileStore
from engine.identity import local_users as users
from engine.instances import service as instances
from engine.tasks import actions as tasks
from engine.workflow import configs
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus

log = logging.getLogger(__name__)

ADMIN = Actor("admin", frozenset({Role.ADMIN}), "440000", display_name="系统管理员")
PROVINCE = Actor("province", frozenset({Role.PROVINCE_REVIEWER}), "440000")
PROVINCE_2 = Actor("province-2", frozenset({Role.PROVINCE_REVIEWER}), "440000", display_name="省厅审核员（二）")
CITY = Actor("city-440100", frozenset({Role.CITY_REVIEWER}), "440100")
SUPPORT = Actor("support", frozenset({Role.ADMIN}), "440000", display_name="技术支持")
TAX = Actor("tax-gd", frozenset({Role.TAX_CLIENT}), "440000", display_name="广东省税务局涉税系统")
DEMO_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


class DemoEnterprise(Protocol):
    @property
    def credit_code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def region_code(self) -> str: ...


def seed_processes(session: Session, enterprises: Sequence[DemoEnterprise], password: str,
                   store: FileStore | None = None) -> None:
    """Accounts, ratings and instances of every process; ``enterprises`` are engine.demo.bootstrap's two."""
    store = store or LocalFileStore(load_settings().evidence_dir)
    for extra in (PROVINCE_2, SUPPORT, TAX):
        users.create(session, extra.username, password, sorted(extra.roles), region_code=extra.region_code,
                     display_name=extra.display_name, is_demo=True)
    configs.change(session, ADMIN, "credit_objection", {"province_reviewers": [PROVINCE.username, PROVINCE_2.username]})
    tianhe, baiyun = (_actor(e) for e in enterprises[:2])
    files = {e.username: _evidence(session, store, e) for e in (tianhe, baiyun)}
    names = {e.credit_code: e.name for e in enterprises}
    _ratings(session, names, tianhe, baiyun)
    _objections(session, tianhe, baiyun, files)
    _repairs(session, tianhe, baiyun, files)
    _tax_reviews(session, tianhe, baiyun)
    _filings(session, tianhe, baiyun, files)
    _tickets(session, tianhe, baiyun)
    log.info("demo instances of the credit, tax, emergency-plan and support processes created")


def _actor(enterprise: DemoEnterprise) -> Actor:
    return Actor(enterprise.credit_code, frozenset({Role.ENTERPRISE}), enterprise.region_code,
                 enterprise.credit_code, enterprise.name)


def _evidence(session: Session, store: FileStore, actor: Actor) -> int:
    stream = io.BytesIO(DEMO_PDF + f"% {actor.enterprise_code}\n".encode())
    return evidence.upload(session, store, actor, stream, "整改及证明材料.pdf").id


def _ratings(session: Session, names: dict[str, str], tianhe: Actor, baiyun: Actor) -> None:
    """2024 ratings published (yellow and red); 2025 ratings under their 15-day notice."""
    def proposal(actor: Actor, level: int, assessing: str, deciding: str) -> ratings.ProposedRating:
        assert actor.enterprise_code and actor.region_code
        return ratings.ProposedRating(actor.enterprise_code, names[actor.enterprise_code], actor.region_code, level,
                                      assessing, deciding)

    past = ratings.propose(session, ADMIN, year=2024, title="2024 年度企业环境信用评价拟评价结果公示",
                           region_code="440000", notice_days=15, starts_at=utcnow() - timedelta(days=40),
                           ratings=[proposal(tianhe, 3, "county", "province"), proposal(baiyun, 4, "city", "city")])
    ratings.publish(session, ADMIN, past.id)
    ratings.propose(session, ADMIN, year=2025, title="2025 年度企业环境信用评价拟评价结果公示", region_code="440000",
                    notice_days=15, starts_at=utcnow() - timedelta(days=3),
                    ratings=[proposal(tianhe, 3, "county", "province"), proposal(baiyun, 2, "city", "city")])


def _objections(session: Session, tianhe: Actor, baiyun: Actor, files: dict[str, int]) -> None:
    """Tianhe's objection awaits the province countersign; Baiyun's was corrected by the city."""
    first = objections.file(session, tianhe, "440106", {
        "reasons": "评价所依据的 2025 年 3 月超标记录系在线监测仪表故障所致，已有第三方比对报告。",
        "requested_level": "2", "evidence": [files[tianhe.username]], "contact": "李工 020-88886666"})
    _do(session, first, "county_verify", Actor("county-440106", frozenset({Role.COUNTY_REVIEWER}), "440106"),
        {"finding": "founded", "suggested_level": "2", "opinion": "经核实，3 月超标时段仪表故障记录属实。"})
    second = objections.file(session, baiyun, "440111", {
        "reasons": "处罚决定已被复议撤销，不应计入评价。", "evidence": [files[baiyun.username]]})
    _do(session, second, "city_verify", CITY, {"finding": "founded", "suggested_level": "1",
                                               "opinion": "行政处罚已撤销，异议成立。"})
    _do(session, second, "city_decide", CITY, {"decision": "correct", "corrected_level": "1",
                                               "opinion": "更正为环保诚信企业。"})


def _repairs(session: Session, tianhe: Actor, baiyun: Actor, files: dict[str, int]) -> None:
    """Tianhe's repair was refused by the district; Baiyun's waits for its district."""
    refused = repairs.apply(session, tianhe, "440106", {"rectification": "完成脱硫设施提标改造。",
                                                        "completed_on": "2026-09-30",
                                                        "evidence": [files[tianhe.username]]})
    _do(session, refused, "district_opinion", Actor("county-440106", frozenset({Role.COUNTY_REVIEWER}), "440106"),
        {"decision": "refuse", "opinion": "改造尚未通过验收，整改不到位。"})
    repairs.apply(session, baiyun, "440111", {"rectification": "污泥处置问题已整改，处罚已履行。",
                                              "completed_on": "2026-10-15", "evidence": [files[baiyun.username]]})


TAX_REQUEST: dict[str, Any] = {
    "tax_period": "2026-10", "reason": "abnormal_return",
    "reported": [{"pollutant": "a21026", "outlet": "DA001", "emission_kg": 812.0, "concentration": 10.2,
                  "unit": "mg/m3"}],
    "monitoring_figures": {"period": "2026-10", "points": [
        {"factor": "a21026", "basis": "hourly", "monthly_mean": 23.4, "unit": "mg/m3", "anomalies": 2}]},
}


def _tax_reviews(session: Session, tianhe: Actor, baiyun: Actor) -> None:
    """One request waiting for Tianhe's county, one answered for Baiyun, one late filing waiting."""
    def request(actor: Actor, number: str, **changes: Any) -> ProcessInstance:
        assert actor.region_code
        return instances.start(session, TAX, instances.StartRequest(
            "tax_review", actor.region_code, actor.enterprise_code, business_key=number, subject=f"涉税复核 {number}",
            data={**TAX_REQUEST, "request_no": number, **changes}))

    request(tianhe, "SW-2026-10-0001")
    answered = request(baiyun, "SW-2026-10-0002")
    _do(session, answered, "county_review", Actor("county-440111", frozenset({Role.COUNTY_REVIEWER}), "440111"),
        {"conclusion": "understated", "reviewed_emission_kg": 1830.5, "reviewed_concentration": 23.4,
         "opinion": "申报排放量明显低于自动监测数据核算值，建议按监测数据核定。"})
    request(baiyun, "SW-2026-10-0003", reason="late_filing", monitoring_figures=None)


def _filings(session: Session, tianhe: Actor, baiyun: Actor, files: dict[str, int]) -> None:
    """Tianhe's plan filed (number issued); Baiyun's returned for missing items, and a second one waiting."""
    plan = {"plan_name": "突发环境事件应急预案（2026 版）", "risk_level": "larger", "compiled_on": "2026-08-01"}
    filed = filings.submit(session, tianhe, "440106", {**plan, "documents": [files[tianhe.username]]})
    _do(session, filed, "county_check", Actor("county-440106", frozenset({Role.COUNTY_REVIEWER}), "440106"),
        {"decision": "accept", "opinion": "材料齐全，予以备案。"})
    returned = filings.submit(session, baiyun, "440111", {**plan, "documents": [files[baiyun.username]]})
    _do(session, returned, "county_check", Actor("county-440111", frozenset({Role.COUNTY_REVIEWER}), "440111"),
        {"decision": "return", "missing_items": "缺少环境风险评估报告和应急资源调查报告。"})
    filings.submit(session, baiyun, "440111", {**plan, "plan_name": "污泥储存区专项应急预案", "risk_level": "general",
                                               "documents": [files[baiyun.username]]})


def _tickets(session: Session, tianhe: Actor, baiyun: Actor) -> None:
    """Tickets at triage, at investigation, waiting for the vendor, and closed."""
    def report(reporter: Actor, subsystem: str, summary: str) -> ProcessInstance:
        return instances.start(session, reporter, instances.StartRequest(
            "support_ticket", reporter.region_code or "440000", reporter.enterprise_code, subject=summary,
            data={"subsystem": subsystem, "summary": summary, "description": summary + "，请协助处理。",
                  "contact": reporter.display_name or reporter.username}))

    triage = {"category": "fault", "priority": "normal", "handler": SUPPORT.username}
    report(tianhe, "数据采集传输", "数采仪 11 月 20 日起断传")
    investigating = report(Actor("county-440106", frozenset({Role.COUNTY_REVIEWER}), "440106"), "超标异常闭环",
                           "任务列表无法按监测点筛选")
    _do(session, investigating, "triage", SUPPORT, triage)
    vendor = report(baiyun, "实时监控", "COD 分析仪数据恒值")
    _do(session, vendor, "triage", SUPPORT, {**triage, "priority": "high"})
    _do(session, vendor, "investigate", SUPPORT, {"findings": "分析仪试剂耗尽导致恒值", "cause": "hardware"})
    _do(session, vendor, "verify", SUPPORT, {"verdict": "confirmed", "needs_vendor": True})
    closed = report(tianhe, "统计报表", "月报导出缺少有效传输率列")
    _do(session, closed, "triage", SUPPORT, {**triage, "category": "support", "priority": "low"})
    _do(session, closed, "investigate", SUPPORT, {"findings": "模板版本过旧", "cause": "configuration"})
    _do(session, closed, "verify", SUPPORT, {"verdict": "confirmed", "needs_vendor": False})
    _do(session, closed, "follow_up", SUPPORT, {"actions": "更新报表模板", "resolution": "已恢复有效传输率列"})
    _do(session, closed, "confirm", tianhe, {"confirmation": "resolved"})


def _do(session: Session, instance: ProcessInstance, step: str, actor: Actor, data: dict[str, Any]) -> None:
    task = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.spec_name == step, HumanTask.status == TaskStatus.READY)
    ).first()
    assert task is not None, f"instance {instance.id} does not wait at {step}"
    tasks.complete(session, actor, task.id, data)
