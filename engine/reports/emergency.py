"""省级环境应急业务数据月报 and the year's 《国家重点污染源自动监控政策文件清单》, from the filings and the libraries.

Plans are revised at least every three years (企业事业单位突发环境事件应急预案备案管理办法（试行）,
环发〔2015〕4号): a filing is counted as expiring in the month three years after it was filed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.emergency.library import entries, kinds
from engine.emergency.library.models import LibraryEntry, LibraryVersion
from engine.emergency.models import EmergencyPlanFiling
from engine.reports import scope
from engine.reports.period import Period
from engine.reports.workbook import DATETIME, INTEGER, Column, add_pairs, add_table, new_workbook, to_bytes

PLAN_REVISION_YEARS = 3  # 环发〔2015〕4号: plans are reviewed at least every three years


@dataclass
class EmergencyFigures:
    period: Period
    new_entries: dict[str, int] = field(default_factory=dict)
    updated_entries: dict[str, int] = field(default_factory=dict)
    published_totals: dict[str, int] = field(default_factory=dict)
    filings_submitted: int = 0
    filings_filed: int = 0
    filings_returned: int = 0
    filings_expiring: list[EmergencyPlanFiling] = field(default_factory=list)
    filings_by_region: dict[str, list[int]] = field(default_factory=dict)


def figures(session: Session, actor: Actor, period: Period) -> EmergencyFigures:
    """The report's figures over the actor's scope (the libraries are province-wide)."""
    scope.require_reviewer(actor)
    result = EmergencyFigures(period, {k: 0 for k in kinds.LIBRARIES}, {k: 0 for k in kinds.LIBRARIES},
                              entries.counts(session))
    libraries = dict(session.execute(select(LibraryEntry.id, LibraryEntry.library)).all())
    for version in entries.published_between(session, period.start, period.end):
        counter = result.new_entries if version.number == 1 else result.updated_entries
        counter[libraries[version.entry_id]] += 1
    filings = session.scalars(select(EmergencyPlanFiling).where(
        scope.clause(actor, EmergencyPlanFiling.region_code, EmergencyPlanFiling.enterprise_code))).all()
    for filing in filings:
        row = result.filings_by_region.setdefault(filing.region_code, [0, 0, 0])
        if _within(filing.created_at, period):
            result.filings_submitted += 1
            row[0] += 1
        if filing.filed_at is not None and _within(filing.filed_at, period):
            result.filings_filed += 1
            row[1] += 1
        if filing.status == "returned" and _within(filing.created_at, period):
            result.filings_returned += 1
        if filing.filed_at is not None and _within(_expiry(filing.filed_at), period):
            result.filings_expiring.append(filing)
            row[2] += 1
    return result


def _within(moment: datetime, period: Period) -> bool:
    return period.start <= moment < period.end


def _expiry(filed_at: datetime) -> datetime:
    year = filed_at.year + PLAN_REVISION_YEARS
    day = min(filed_at.day, 28) if filed_at.month == 2 else filed_at.day
    return filed_at.replace(year=year, day=day)


def summary(f: EmergencyFigures) -> list[tuple[str, Any, str | None]]:
    pairs: list[tuple[str, Any, str | None]] = [
        ("应急预案受理（件）", f.filings_submitted, INTEGER), ("应急预案备案（件）", f.filings_filed, INTEGER),
        ("应急预案退回补正（件）", f.filings_returned, INTEGER),
        (f"预案届满{PLAN_REVISION_YEARS}年应修订（件）", len(f.filings_expiring), INTEGER)]
    for key, lib in kinds.LIBRARIES.items():
        pairs += [(f"{lib.zh}新增（条）", f.new_entries[key], INTEGER),
                  (f"{lib.zh}更新（条）", f.updated_entries[key], INTEGER),
                  (f"{lib.zh}累计（条）", f.published_totals.get(key, 0), INTEGER)]
    return pairs


def title(period: Period) -> str:
    return f"省级环境应急业务数据月报（{period.label}）"


def build_xlsx(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    f = figures(session, actor, period)
    book = new_workbook()
    add_pairs(book, "概况", title(period), summary(f))
    add_table(book, "按地区", f"应急预案备案情况（按地区，{period.label}）",
              [Column("地区代码", 12), Column("受理", 9, INTEGER, total=True), Column("备案", 9, INTEGER, total=True),
               Column("应修订", 9, INTEGER, total=True)],
              ([code, *row] for code, row in sorted(f.filings_by_region.items())))
    add_table(book, "应修订预案", f"备案届满{PLAN_REVISION_YEARS}年应修订的预案（{period.label}）",
              [Column("备案编号", 22), Column("预案名称", 36), Column("统一社会信用代码", 20), Column("地区代码", 10),
               Column("备案时间", 17, DATETIME)],
              ([p.filing_number, p.plan_name, p.enterprise_code, p.region_code, p.filed_at]
               for p in f.filings_expiring), totals_label=None)
    return to_bytes(book)


def build_pdf(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from engine.reports.pdf import _font, _table, format_value

    f = figures(session, actor, period)
    heading = ParagraphStyle("h", fontName=_font(), fontSize=16, leading=22, spaceAfter=6)
    story: list[Any] = [Paragraph(title(period), heading),
                        _table([["指标", "数值"]] + [[label, format_value(v, fmt)] for label, v, fmt in summary(f)],
                               [100 * mm, 50 * mm])]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title(period)).build(story)
    return buffer.getvalue()


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
