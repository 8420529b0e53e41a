"""省级环境应急业务数据月报 and the year's 《国家重点污染源自动监控政策文件清单》, from the filings, the risk sources
and the libraries.

Plans are revised at least every ``plan_revision_years`` (the risk rules, default three, 环发〔2015〕4号):
a filing is counted as expiring in the period holding the day that many years after it was filed.
Risk sources are counted by city and level as the register holds them when the report is made, with
the plan state as of the period's last day; changes of level are the assessments recorded in the period.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.emergency.library import entries, kinds
from engine.emergency.library.models import LibraryEntry, LibraryVersion
from engine.emergency.models import EmergencyPlanFiling
from engine.emergency.risk import plans, registry, rules
from engine.emergency.risk.levels import RISK_LEVELS
from engine.emergency.risk.models import RiskAssessment, RiskSubstance
from engine.monitoring.models import Enterprise
from engine.regions import region_tree
from engine.reports import scope
from engine.reports.period import Period
from engine.reports.workbook import DATETIME, INTEGER, Column, add_pairs, add_table, new_workbook, to_bytes

LEVEL_ORDER = {"": 0, "general": 1, "larger": 2, "major": 3}
LEVEL_COLUMNS = ("major", "larger", "general", "")
CHANGES = ("newly", "raised", "lowered", "confirmed")


@dataclass
class CityWork:
    """What one city's bureaus did in the period."""

    filings_submitted: int = 0
    filings_filed: int = 0
    filings_returned: int = 0
    filings_expiring: int = 0
    assessments: int = 0
    substance_updates: int = 0


@dataclass
class EmergencyFigures:
    period: Period
    revision_years: int = 3
    new_entries: dict[str, int] = field(default_factory=dict)
    updated_entries: dict[str, int] = field(default_factory=dict)
    published_totals: dict[str, int] = field(default_factory=dict)
    filings_submitted: int = 0
    filings_filed: int = 0
    filings_returned: int = 0
    filings_expiring: list[EmergencyPlanFiling] = field(default_factory=list)
    filings_by_region: dict[str, list[int]] = field(default_factory=dict)
    risk_by_city: dict[str, Counter[str]] = field(default_factory=dict)
    changes_by_city: dict[str, Counter[str]] = field(default_factory=dict)
    level_changes: list[RiskAssessment] = field(default_factory=list)
    plans_by_city: dict[str, Counter[str]] = field(default_factory=dict)
    city_work: dict[str, CityWork] = field(default_factory=dict)


def figures(session: Session, actor: Actor, period: Period) -> EmergencyFigures:
    """The report's figures over the actor's scope (the libraries are province-wide)."""
    scope.require_reviewer(actor)
    current = rules.current(session)
    result = EmergencyFigures(period, current.plan_revision_years, {k: 0 for k in kinds.LIBRARIES},
                              {k: 0 for k in kinds.LIBRARIES}, entries.counts(session))
    libraries = dict(session.execute(select(LibraryEntry.id, LibraryEntry.library)).all())
    for version in entries.published_between(session, period.start, period.end):
        counter = result.new_entries if version.number == 1 else result.updated_entries
        counter[libraries[version.entry_id]] += 1
    _count_filings(session, actor, result, current.plan_revision_years)
    _count_risk_sources(session, actor, result)
    return result


def _count_filings(session: Session, actor: Actor, result: EmergencyFigures, years: int) -> None:
    period = result.period
    filings = session.scalars(select(EmergencyPlanFiling).where(
        scope.clause(actor, EmergencyPlanFiling.region_code, EmergencyPlanFiling.enterprise_code))).all()
    for filing in filings:
        row = result.filings_by_region.setdefault(filing.region_code, [0, 0, 0])
        work = result.city_work.setdefault(city_of(filing.region_code), CityWork())
        if _within(filing.created_at, period):
            result.filings_submitted += 1
            row[0] += 1
            work.filings_submitted += 1
            if filing.status == "returned":
                result.filings_returned += 1
                work.filings_returned += 1
        if filing.filed_at is not None and _within(filing.filed_at, period):
            result.filings_filed += 1
            row[1] += 1
            work.filings_filed += 1
        if filing.filed_at is not None and _day_within(plans.expiry(filing.filed_at, years), period):
            result.filings_expiring.append(filing)
            row[2] += 1
            work.filings_expiring += 1


def _count_risk_sources(session: Session, actor: Actor, result: EmergencyFigures) -> None:
    period = result.period
    last_day = period.end.date() - timedelta(days=1)
    for source in registry.all_sources(session, actor, registry.Filters(), today=last_day):
        city = city_of(source.region_code)
        result.risk_by_city.setdefault(city, Counter())[source.level] += 1
        result.plans_by_city.setdefault(city, Counter())[source.plan.status] += 1
    visible = scope.clause(actor, RiskAssessment.region_code, RiskAssessment.enterprise_code)
    result.level_changes = list(session.scalars(select(RiskAssessment).where(
        visible, RiskAssessment.recorded_at >= period.start, RiskAssessment.recorded_at < period.end)
        .order_by(RiskAssessment.recorded_at, RiskAssessment.id)))
    for change in result.level_changes:
        city = city_of(change.region_code)
        result.changes_by_city.setdefault(city, Counter())[change_kind(change)] += 1
        result.city_work.setdefault(city, CityWork()).assessments += 1
    updated = session.execute(select(Enterprise.region_code, RiskSubstance.enterprise_code).distinct()
                              .join(Enterprise, Enterprise.credit_code == RiskSubstance.enterprise_code)
                              .where(scope.clause(actor, Enterprise.region_code, Enterprise.credit_code),
                                     RiskSubstance.updated_at >= period.start, RiskSubstance.updated_at < period.end))
    for region_code, _ in updated:
        result.city_work.setdefault(city_of(region_code), CityWork()).substance_updates += 1


def change_kind(assessment: RiskAssessment) -> str:
    """newly rated, raised, lowered or confirmed at the same level."""
    if not assessment.previous_level:
        return "newly"
    before, after = LEVEL_ORDER[assessment.previous_level], LEVEL_ORDER[assessment.level]
    return "raised" if after > before else "lowered" if after < before else "confirmed"


def city_of(region_code: str) -> str:
    """The city code a region lies in (``440100`` for ``440106``; the province code for itself)."""
    return region_code[:4] + "00" if len(region_code) >= 4 and region_code[2:4] != "00" else region_code[:6]


def city_name(code: str) -> str:
    region = region_tree().get(code)
    return region.name if region else code


def _within(moment: datetime, period: Period) -> bool:
    return period.start <= moment < period.end


def _day_within(day: date, period: Period) -> bool:
    return period.start.date() <= day < period.end.date()


def summary(f: EmergencyFigures) -> list[tuple[str, Any, str | None]]:
    levels = Counter[str]()
    for counter in f.risk_by_city.values():
        levels.update(counter)
    changes = Counter[str]()
    for counter in f.changes_by_city.values():
        changes.update(counter)
    plan_states = Counter[str]()
    for counter in f.plans_by_city.values():
        plan_states.update(counter)
    pairs: list[tuple[str, Any, str | None]] = [
        ("环境风险源企业（家）", sum(levels.values()), INTEGER),
        *((f"其中{RISK_LEVELS.get(level, '未评估')}（家）", levels[level], INTEGER) for level in LEVEL_COLUMNS),
        ("本期新评定风险等级（家）", changes["newly"], INTEGER), ("本期风险等级上调（家）", changes["raised"], INTEGER),
        ("本期风险等级下调（家）", changes["lowered"], INTEGER),
        ("风险源预案即将到期（家）", plan_states["expiring"], INTEGER),
        ("风险源预案已到期（家）", plan_states["expired"], INTEGER), ("风险源未备案预案（家）", plan_states["none"], INTEGER),
        ("应急预案受理（件）", f.filings_submitted, INTEGER), ("应急预案备案（件）", f.filings_filed, INTEGER),
        ("应急预案退回补正（件）", f.filings_returned, INTEGER),
        (f"预案届满{f.revision_years}年应修订（件）", len(f.filings_expiring), INTEGER)]
    for key, lib in kinds.LIBRARIES.items():
        pairs += [(f"{lib.zh}新增（条）", f.new_entries[key], INTEGER),
                  (f"{lib.zh}更新（条）", f.updated_entries[key], INTEGER),
                  (f"{lib.zh}累计（条）", f.published_totals.get(key, 0), INTEGER)]
    return pairs


def title(period: Period) -> str:
    if period.month is None:
        return f"环境应急管理工作总结报告（{period.year}年）"
    return f"省级环境应急业务数据月报（{period.label}）"


def risk_rows(f: EmergencyFigures) -> list[list[Any]]:
    """By city: sources per level, total, then the period's changes of level."""
    cities = sorted(set(f.risk_by_city) | set(f.changes_by_city))
    return [[city_name(c), *(f.risk_by_city.get(c, Counter())[lv] for lv in LEVEL_COLUMNS),
             sum(f.risk_by_city.get(c, Counter()).values()), *(f.changes_by_city.get(c, Counter())[k] for k in CHANGES)]
            for c in cities]


def work_rows(f: EmergencyFigures) -> list[list[Any]]:
    """Each city's emergency work in the period, and its risk sources' plan states."""
    cities = sorted(set(f.city_work) | set(f.plans_by_city))
    out = []
    for c in cities:
        w, p = f.city_work.get(c, CityWork()), f.plans_by_city.get(c, Counter())
        out.append([city_name(c), w.filings_submitted, w.filings_filed, w.filings_returned, w.filings_expiring,
                    w.assessments, w.substance_updates, sum(p.values()), p["current"], p["expiring"], p["expired"],
                    p["none"] + p["in_progress"]])
    return out


RISK_COLUMNS = [Column("地市", 14), Column("重大", 8, INTEGER, total=True), Column("较大", 8, INTEGER, total=True),
                Column("一般", 8, INTEGER, total=True), Column("未评估", 8, INTEGER, total=True),
                Column("合计", 8, INTEGER, total=True), Column("新评定", 8, INTEGER, total=True),
                Column("上调", 8, INTEGER, total=True), Column("下调", 8, INTEGER, total=True),
                Column("复核未变", 9, INTEGER, total=True)]
WORK_COLUMNS = [Column("地市", 14), Column("预案受理", 9, INTEGER, total=True), Column("预案备案", 9, INTEGER, total=True),
                Column("退回补正", 9, INTEGER, total=True), Column("届满应修订", 10, INTEGER, total=True),
                Column("风险评估登记", 11, INTEGER, total=True), Column("风险物质更新（家）", 14, INTEGER, total=True),
                Column("风险源企业", 10, INTEGER, total=True), Column("预案有效", 9, INTEGER, total=True),
                Column("即将到期", 9, INTEGER, total=True), Column("已到期", 8, INTEGER, total=True),
                Column("未备案", 8, INTEGER, total=True)]


def build_xlsx(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    f = figures(session, actor, period)
    book = new_workbook()
    add_pairs(book, "概况", title(period), summary(f))
    add_table(book, "风险源按地市", f"环境风险源企业（按地市和风险等级，含本期变化，{period.label}）", RISK_COLUMNS, risk_rows(f))
    add_table(book, "等级变化", f"本期风险等级评定与变化（{period.label}）",
              [Column("统一社会信用代码", 20), Column("地区代码", 10), Column("原等级", 8), Column("新等级", 8),
               Column("评估日期", 12), Column("分级表征", 40), Column("登记人", 12), Column("登记时间", 17, DATETIME)],
              ([a.enterprise_code, a.region_code, RISK_LEVELS.get(a.previous_level, "未评估"), RISK_LEVELS[a.level],
                a.assessed_on.isoformat(), a.expression, a.recorded_by, a.recorded_at] for a in f.level_changes),
              totals_label=None)
    add_table(book, "各地市工作", f"各地市环境应急工作情况（{period.label}）", WORK_COLUMNS, work_rows(f))
    add_table(book, "按地区", f"应急预案备案情况（按地区，{period.label}）",
              [Column("地区代码", 12), Column("受理", 9, INTEGER, total=True), Column("备案", 9, INTEGER, total=True),
               Column("应修订", 9, INTEGER, total=True)],
              ([code, *row] for code, row in sorted(f.filings_by_region.items())))
    add_table(book, "应修订预案", f"备案届满{f.revision_years}年应修订的预案（{period.label}）",
              [Column("备案编号", 22), Column("预案名称", 36), Column("统一社会信用代码", 20), Column("地区代码", 10),
               Column("备案时间", 17, DATETIME)],
              ([p.filing_number, p.plan_name, p.enterprise_code, p.region_code, p.filed_at]
               for p in f.filings_expiring), totals_label=None)
    add_table(book, "资源库", f"应急资源库新增与更新（{period.label}）",
              [Column("资源库", 14), Column("新增", 8, INTEGER, total=True), Column("更新", 8, INTEGER, total=True),
               Column("累计", 8, INTEGER, total=True)],
              ([lib.zh, f.new_entries[k], f.updated_entries[k], f.published_totals.get(k, 0)]
               for k, lib in kinds.LIBRARIES.items()))
    if period.month is None:
        add_table(book, "逐月", f"{period.year}年逐月情况", MONTH_COLUMNS, month_rows(session, actor, period.year))
    return to_bytes(book)


MONTH_COLUMNS = [Column("月份", 10), Column("预案受理", 9, INTEGER, total=True), Column("预案备案", 9, INTEGER, total=True),
                 Column("风险评估登记", 11, INTEGER, total=True), Column("资源库新增", 10, INTEGER, total=True),
                 Column("资源库更新", 10, INTEGER, total=True)]


def month_rows(session: Session, actor: Actor, year: int) -> list[list[Any]]:
    """The year month by month (the annual 工作总结报告's table)."""
    rows = []
    for month in range(1, 13):
        f = figures(session, actor, Period(year, month))
        rows.append([f"{year}-{month:02d}", f.filings_submitted, f.filings_filed, len(f.level_changes),
                     sum(f.new_entries.values()), sum(f.updated_entries.values())])
    return rows


def build_pdf(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from engine.reports.pdf import _font, _table, format_value

    f = figures(session, actor, period)
    heading = ParagraphStyle("h", fontName=_font(), fontSize=16, leading=22, spaceAfter=6)
    section = ParagraphStyle("s", fontName=_font(), fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    story: list[Any] = [Paragraph(title(period), heading),
                        _table([["指标", "数值"]] + [[label, format_value(v, fmt)] for label, v, fmt in summary(f)],
                               [100 * mm, 50 * mm]),
                        Paragraph("环境风险源企业（按地市和风险等级，含本期变化）", section),
                        _table([[_wrap(c.header) for c in RISK_COLUMNS]] + [[str(v) for v in r] for r in risk_rows(f)],
                               [24 * mm] + [17 * mm] * 9),
                        Paragraph("各地市环境应急工作情况", section),
                        _table([[_wrap(c.header) for c in WORK_COLUMNS]] + [[str(v) for v in r] for r in work_rows(f)],
                               [24 * mm] + [18 * mm] * 11)]
    if period.month is None:
        story += [Spacer(1, 4 * mm), Paragraph(f"{period.year}年逐月情况", section),
                  _table([[_wrap(c.header) for c in MONTH_COLUMNS]] + [[str(v) for v in r]
                                                                for r in month_rows(session, actor, period.year)],
                         [24 * mm] + [24 * mm] * 5)]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title(period)).build(story)
    return buffer.getvalue()


def _wrap(header: str, width: int = 4) -> str:
    """A PDF column header broken every ``width`` characters (the table's cells do not wrap by themselves)."""
    return "\n".join(header[i:i + width] for i in range(0, len(header), width))


def monitoring_policies(session: Session, year: int) -> list[dict[str, Any]]:
    """National policy documents on automatic monitoring in force during ``year`` (issued or effective by its end)."""
    rows: Sequence[dict[str, Any]] = session.execute(select(LibraryVersion.fields).join(LibraryEntry, (LibraryEntry.id == LibraryVersion.entry_id)
                                                              & (LibraryEntry.published_version == LibraryVersion.number))
                           .where(LibraryEntry.library == "policy")).scalars().all()
    start = date(year, 1, 1).isoformat()
    chosen = [f for f in rows if f.get("level") == "national" and "monitoring" in (f.get("systems") or [])
              and _year_of(f) <= year and not (f.get("repealed_on") and f["repealed_on"] < start)]
    return sorted(chosen, key=lambda f: (f.get("issued_on") or f.get("effective_on") or "", f["document_number"]))


def _year_of(fields: dict[str, Any]) -> int:
    """The year a document was issued: its date, else the year in its number (〔2008〕, -2019)."""
    when = fields.get("issued_on") or fields.get("effective_on")
    if when:
        return int(str(when)[:4])
    found = re.search(r"〔(\d{4})〕|-(\d{4})$|(\d{4})年", str(fields.get("document_number") or ""))
    return int(next(g for g in found.groups() if g)) if found else 0


def policy_list(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    """《XXXX年国家重点污染源自动监控政策文件清单》 for the period's year."""
    scope.require_reviewer(actor)
    book = new_workbook()
    add_table(book, "政策文件清单", f"{period.year}年国家重点污染源自动监控政策文件清单",
              [Column("序号", 6), Column("文件名称", 44), Column("文号", 22), Column("发文机关", 22),
               Column("发布日期", 12), Column("施行日期", 12)],
              ([n, f["title"], f["document_number"], f.get("issuer", ""), f.get("issued_on", ""),
                f.get("effective_on", "")] for n, f in enumerate(monitoring_policies(session, period.year), start=1)),
              totals_label=None)
    return to_bytes(book)
