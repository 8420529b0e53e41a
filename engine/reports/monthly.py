"""月报 (and, over a year, 年度总结): the operations report as a workbook (figures, tables, a chart) and a PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openpyxl.chart import BarChart, Reference
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.monitoring.rates import Counts, RateRow
from engine.regions import region_tree
from engine.reports import figures as figures_service
from engine.reports.figures import CloseTime, Figures, TaskGroup
from engine.reports.period import Period
from engine.reports.workbook import (
    DECIMAL,
    HEADER_ROW,
    INTEGER,
    PERCENT,
    Column,
    add_pairs,
    add_table,
    new_workbook,
    to_bytes,
)
from engine.workflow.models import ProcessModel

TICKET_STATES = {"open": "待受理", "assigned": "处理中", "closed": "已关闭", "escalated": "已上报"}
OBJECTION_STATES = {"open": "处理中", "kept": "维持原评价", "corrected": "已更正", "lapsed": "逾期未提交"}


def summary(f: Figures) -> list[tuple[str, Any, str | None]]:
    """The headline figures, in the order the report prints them."""
    total = f.task_totals()
    overall = _overall_rates(f)
    return [
        ("新增任务（个）", total.opened, INTEGER), ("办结任务（个）", total.closed, INTEGER),
        ("退回任务（个）", total.returned, INTEGER), ("逾期任务（个）", total.overdue, INTEGER),
        ("超标处理率", f.handling_rate, PERCENT),
        ("传输率", overall[0], PERCENT), ("有效率", overall[1], PERCENT), ("有效传输率", overall[2], PERCENT),
        ("有效传输率低于90%的企业（家）", len(f.enterprises_below), INTEGER),
        ("信用评价异议（件）", sum(f.objections.values()), INTEGER),
        ("税务复核提请（件）", f.tax["received"], INTEGER), ("税务复核已答复（件）", f.tax["answered"], INTEGER),
        ("15日内答复（件）", f.tax["within_15_days"], INTEGER),
        ("应急预案受理（件）", f.plans["submitted"], INTEGER), ("应急预案备案（件）", f.plans["filed"], INTEGER),
        ("技术支持工单（件）", sum(f.tickets.values()), INTEGER),
    ]


def _overall_rates(f: Figures) -> tuple[float | None, float | None, float | None]:
    if not f.region_rates:
        return None, None, None
    total = RateRow("region", "all", "全部", "", Counts(), f.region_rates[0].denominator, f.region_rates[0].pass_line)
    for row in f.region_rates:
        total.counts.add(row.counts)
    return total.transmission, total.validity, total.effective


def _name(code: str) -> str:
    """The region's Chinese name; an unknown code prints as itself."""
    region = region_tree().get(code)
    return region.name if region is not None else code


def _process_names(session: Session) -> Any:
    """A process key's name as its newest deployed model gives it (超标/异常数据闭环, not anomaly_closure)."""
    names = dict(session.execute(select(ProcessModel.key, ProcessModel.name).order_by(ProcessModel.version)).all())
    return lambda key: names.get(key) or key


def _task_rows(groups: list[TaskGroup], times: dict[str, CloseTime], label: Any) -> list[list[Any]]:
    rows = []
    for g in groups:
        t = times.get(g.key)
        rows.append([label(g.key), g.opened, g.closed, g.returned, g.overdue,
                     t.mean_hours if t else None, t.p90_hours if t else None])
    return rows


def _task_columns(first: str) -> list[Column]:
    return [Column(first, 22), Column("新增", 9, INTEGER, total=True), Column("办结", 9, INTEGER, total=True),
            Column("退回", 9, INTEGER, total=True), Column("逾期", 9, INTEGER, total=True),
            Column("平均办结时长（小时）", 14, DECIMAL), Column("P90办结时长（小时）", 14, DECIMAL)]


def build_xlsx(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    f = figures_service.figures(session, actor, period, now=now)
    book = new_workbook()
    title = report_title(period, f.region)
    add_pairs(book, "概况", title, summary(f))
    by_region = add_table(book, "按地区", f"任务办理情况（按地区，{period.label}）", _task_columns("地区"),
                          _task_rows(f.tasks_by_region, {t.key: t for t in f.close_by_region}, _name))
    _chart(by_region, len(f.tasks_by_region))
    add_table(book, "按行业", f"任务办理情况（按行业，{period.label}）", _task_columns("行业")[:5],
              ([g.key or "未分类", g.opened, g.closed, g.returned, g.overdue] for g in f.tasks_by_industry))
    add_table(book, "按流程", f"任务办理情况（按流程，{period.label}）", _task_columns("流程"),
              _task_rows(f.tasks_by_process, {t.key: t for t in f.close_by_process}, _process_names(session)))
    add_table(book, "超标处理", f"超标处理率（{period.label}）",
              [Column("地区", 22), Column("超标案件", 10, INTEGER, total=True),
               Column("已办结", 10, INTEGER, total=True), Column("超标处理率", 12, PERCENT)],
              ([_name(h.key), h.exceedances, h.handled, h.rate] for h in f.handling))
    add_table(book, "传输有效率", f"数据传输有效率（{period.label}）", _rate_columns(), (
        [_name(r.key), r.points, r.enterprises, r.transmission, r.validity, r.effective, r.enterprises_below]
        for r in f.region_rates))
    add_table(book, "低于90%企业", f"有效传输率低于90%的企业（{period.label}）",
              [Column("企业名称", 30), Column("统一社会信用代码", 20), Column("地区代码", 10),
               Column("监测点数", 9, INTEGER), Column("传输率", 10, PERCENT), Column("有效率", 10, PERCENT),
               Column("有效传输率", 11, PERCENT)],
              ([e.name, e.key, e.region_code, e.points, e.transmission, e.validity, e.effective]
               for e in f.enterprises_below), totals_label=None)
    add_table(book, "技术支持", f"技术支持工单（按子系统和状态，{period.label}）",
              [Column("子系统", 20), Column("状态", 12), Column("工单数", 10, INTEGER, total=True)],
              ([s, TICKET_STATES.get(st, st), n] for (s, st), n in f.tickets.items()))
    add_table(book, "信用异议", f"信用评价异议（{period.label}）",
              [Column("处理结果", 20), Column("件数", 10, INTEGER, total=True)],
              ([OBJECTION_STATES.get(s, s), n] for s, n in sorted(f.objections.items())))
    return to_bytes(book)


def _rate_columns() -> list[Column]:
    return [Column("地区", 22), Column("监测点数", 10, INTEGER, total=True), Column("企业数", 10, INTEGER, total=True),
            Column("传输率", 10, PERCENT), Column("有效率", 10, PERCENT), Column("有效传输率", 11, PERCENT),
            Column("低于90%企业数", 13, INTEGER, total=True)]


def _chart(sheet: Any, count: int) -> None:
    if not count:
        return
    chart = BarChart()
    chart.title, chart.y_axis.title = "各地区任务新增与办结", "任务数"
    first, last = HEADER_ROW, HEADER_ROW + count
    chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=first, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first + 1, max_row=last))
    chart.width, chart.height = 18, 8
    sheet.add_chart(chart, f"I{HEADER_ROW}")


def build_pdf(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    from engine.reports.pdf import monthly_pdf

    f = figures_service.figures(session, actor, period, now=now)
    return monthly_pdf(f, report_title(period, f.region), summary(f), _name)


def report_title(period: Period, region: str) -> str:
    """月报 for a month, 年度总结 for a year (the same figures over twelve months)."""
    name = "运行月报" if period.month else "年度总结"
    return f"生态环境闭环监管平台{name}（{period.label}，{_name(region)}）"
