"""One builder per report kind: ``build(session, actor, kind, period, **options)`` returns the file's bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import InvalidInput
from engine.reports import baselist, credit, emergency, exchange, inspection, ledgers, monthly
from engine.reports.ledgers import (
    OBJECTION_STATES,
    TAX_STATES,
    TICKET_STATES,
    Step,
    level_name,
)
from engine.reports.period import Period
from engine.reports.workbook import (
    DATETIME,
    DECIMAL,
    INTEGER,
    Column,
    add_table,
    new_workbook,
    to_bytes,
)
from engine.support.models import SupportTicket

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


@dataclass(frozen=True)
class ReportKind:
    key: str
    title: str
    build: Callable[..., bytes]
    media_type: str = XLSX
    extension: str = "xlsx"


def supervision_ledger(session: Session, actor: Actor, period: Period, *, industry: str | None = None,
                       now: datetime | None = None) -> bytes:
    rows = ledgers.supervision_ledger(session, actor, period, industry)
    book = new_workbook()
    columns = [Column("序号", 6), Column("地区代码", 10), Column("企业名称", 28), Column("统一社会信用代码", 20),
               Column("监测点", 18), Column("因子", 8), Column("异常类型", 10), Column("异常开始", 17, DATETIME),
               Column("异常结束", 17, DATETIME), Column("异常次数", 9, INTEGER, total=True),
               Column("企业说明", 40), Column("审核意见", 50), Column("当前状态", 18), Column("办结时间", 17, DATETIME)]
    add_table(book, "督办台账", f"{industry or '全部行业'}督办台账（{period.label}）", columns, (
        [n, r.enterprise.region_code, r.enterprise.name, r.enterprise.credit_code, r.point.mn, r.case.factor,
         r.type_name, r.case.period_start, r.case.period_end, r.case.anomaly_count, r.explanation, r.reviews,
         r.state, r.case.closed_at] for n, r in enumerate(rows, start=1)))
    return to_bytes(book)


def support_table(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    tickets = ledgers.support_tickets(session, actor, period)
    book = new_workbook()
    columns = [Column("工单号", 14), Column("子系统", 16), Column("问题摘要", 30), Column("报告人", 12),
               Column("地区代码", 10), Column("状态", 10), Column("类别", 12), Column("优先级", 8), Column("处理人", 12),
               Column("原因", 12), Column("厂商", 14), Column("报告时间", 17, DATETIME), Column("关闭时间", 17, DATETIME),
               Column("重开次数", 9, INTEGER, total=True), Column("处理过程", 60)]
    add_table(book, "技术支持表", f"技术支持表（{period.label}）", columns, (
        [t.ticket_no, t.subsystem, t.summary, t.reporter, t.region_code, TICKET_STATES.get(t.status, t.status),
         t.category or "", t.priority or "", t.handler or "", t.cause or "", t.vendor or "", t.opened_at,
         t.closed_at, t.reopen_count, "\n".join(s.line() for s in steps)] for t, steps in tickets))
    add_table(book, "处理步骤", f"技术支持处理步骤（{period.label}）", _step_columns(), (
        _step_row(t, s) for t, steps in tickets for s in steps), totals_label=None)
    return to_bytes(book)


def _step_columns() -> list[Column]:
    return [Column("工单号", 14), Column("步骤", 20), Column("状态", 10), Column("办理人", 14),
            Column("开始时间", 17, DATETIME), Column("完成时间", 17, DATETIME), Column("结果", 14), Column("意见", 50)]


def _step_row(ticket: SupportTicket, step: Step) -> list[Any]:
    return [ticket.ticket_no, step.title, ledgers.STEP_STATES.get(step.status, step.status),
            step.actor or "", step.created_at, step.completed_at, step.outcome or "", step.opinion or ""]


def credit_results(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    rows = ledgers.credit_results(session, actor, period.year)
    book = new_workbook()
    columns = [Column("序号", 6), Column("企业名称", 28), Column("统一社会信用代码", 20), Column("地区代码", 10),
               Column("评价年度", 9), Column("评价等级", 8, INTEGER), Column("等级名称", 14), Column("发布时间", 17, DATETIME),
               Column("异议", 9, INTEGER, total=True), Column("异议处理结果", 36), Column("更正记录", 36)]
    add_table(book, "信用评价结果", f"企业环境信用评价结果（{period.year}年度）", columns, (
        [n, r.rating.enterprise_name, r.rating.enterprise_code, r.rating.region_code, r.rating.year, r.rating.level,
         level_name(r.rating.level), r.rating.published_at, len(r.objections), _objections_text(r), _corrections_text(r)]
        for n, r in enumerate(rows, start=1)))
    return to_bytes(book)


def _objections_text(row: ledgers.RatingRow) -> str:
    return "\n".join(
        f"{OBJECTION_STATES.get(o.status, o.status)}" + (f"：{level_name(o.result_level)}" if o.result_level else "")
        + (f"（{o.result_note}）" if o.result_note else "") for o in row.objections)


def _corrections_text(row: ledgers.RatingRow) -> str:
    return "\n".join(f"{level_name(c.from_level)}→{level_name(c.to_level)}（{c.reason}）" for c in row.corrections)


def tax_review_ledger(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    reviews = ledgers.tax_reviews(session, actor, period)
    book = new_workbook()
    columns = [Column("序号", 6), Column("请求编号", 22), Column("统一社会信用代码", 20), Column("地区代码", 10),
               Column("税款所属期", 10), Column("提请原因", 14), Column("收到时间", 17, DATETIME),
               Column("答复期限", 17, DATETIME), Column("答复时间", 17, DATETIME), Column("用时（天）", 10, DECIMAL),
               Column("状态", 10), Column("结论", 14), Column("按期答复", 9, INTEGER, total=True)]
    add_table(book, "复核台账", f"涉税复核台账（{period.label}）", columns, (
        [n, r.request_no, r.enterprise_code, r.region_code, r.tax_period, r.reason, r.received_at, r.due_at,
         r.answered_at, ledgers.days_taken(r), TAX_STATES.get(r.status, r.status), r.conclusion or "",
         1 if r.answered_at is not None and r.answered_at <= r.due_at else 0] for n, r in enumerate(reviews, start=1)))
    return to_bytes(book)


KINDS: dict[str, ReportKind] = {k.key: k for k in (
    ReportKind("monthly", "月报", monthly.build_xlsx),
    ReportKind("monthly_pdf", "月报（PDF）", monthly.build_pdf, PDF, "pdf"),
    ReportKind("annual", "年度总结", monthly.build_xlsx),
    ReportKind("annual_pdf", "年度总结（PDF）", monthly.build_pdf, PDF, "pdf"),
    ReportKind("supervision_ledger", "督办台账", supervision_ledger),
    ReportKind("base_list", "安装联网基数排查表", baselist.build_xlsx),
    ReportKind("support_table", "技术支持表", support_table),
    ReportKind("credit_results", "信用评价结果", credit_results),
    ReportKind("tax_review_ledger", "涉税复核台账", tax_review_ledger),
    ReportKind("tax_sync", "数据同步情况统计表", exchange.tax_sync_xlsx),
    ReportKind("tax_sync_pdf", "数据同步情况统计表（PDF）", exchange.tax_sync_pdf, PDF, "pdf"),
    ReportKind("tax_inspection", "数据监查表", exchange.inspection_xlsx),
    ReportKind("tax_inspection_pdf", "数据监查表（PDF）", exchange.inspection_pdf, PDF, "pdf"),
    ReportKind("tax_statistics", "环保税涉税信息统计报表", exchange.statistics_xlsx),
    ReportKind("tax_statistics_pdf", "环保税涉税信息统计报表（PDF）", exchange.statistics_pdf, PDF, "pdf"),
    ReportKind("emergency_monthly", "省级环境应急业务数据月报", emergency.build_xlsx),
    ReportKind("emergency_monthly_pdf", "省级环境应急业务数据月报（PDF）", emergency.build_pdf, PDF, "pdf"),
    ReportKind("emergency_annual", "环境应急管理工作总结报告", emergency.build_xlsx),
    ReportKind("emergency_annual_pdf", "环境应急管理工作总结报告（PDF）", emergency.build_pdf, PDF, "pdf"),
    ReportKind("monitoring_policy_list", "国家重点污染源自动监控政策文件清单", emergency.policy_list),
    ReportKind("credit_round", "广东省企业环境信用评价结果（年度评价）", credit.round_results),
    ReportKind("credit_statistics", "信用平台统计报表（月报；按年为年度总结）", credit.statistics),
    ReportKind("inspection_statistics", "双随机抽查统计报表（月报；按年为年度总结）", inspection.build_xlsx),
    ReportKind("inspection_statistics_pdf", "双随机抽查统计报表（PDF）", inspection.build_pdf, PDF, "pdf"),
)}


def kind(key: str) -> ReportKind:
    """:raises InvalidInput: naming the field ``kind`` for an unknown report."""
    try:
        return KINDS[key]
    except KeyError:
        raise InvalidInput(f"kind: 未知的报表类型 {key!r} (one of {', '.join(KINDS)})") from None


def build(session: Session, actor: Actor, key: str, period: Period, **options: Any) -> bytes:
    """The bytes of one report for the actor's scope.

    :raises InvalidInput: for an unknown kind; :raises NotAllowed: for enterprise and tax accounts.
    """
    return kind(key).build(session, actor, period, **options)
