"""双随机抽查统计报表: the platform's monthly report (a year gives the annual summary), xlsx and PDF.

Counted over the reviewer's scope, per city and county, per object class, with special campaigns
(专项行动) counted apart from the random draws:

- plans whose inspection window meets the period, draws made in the period;
- inspections due: assignments dispatched with a planned date in the period; done: both officers
  confirmed the record; overdue: not confirmed by the end of the planned day;
- problem rate: inspections of operating units that found a problem, over inspections of operating units;
- referrals (移送立案) and corrections ordered; publication within the configured working days
  (``publish_workdays`` of the ``random_inspection`` process, 20 by default) among published results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from io import BytesIO
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import utcnow
from engine.inspection.models import Draw, InspectionPlan
from engine.inspection.onsite.models import Conclusion, InspectionCase, UnitStatus
from engine.reports import scope
from engine.reports.period import CHINA, Period
from engine.reports.workbook import INTEGER, PERCENT, Column, add_pairs, add_table, new_workbook, to_bytes

CLASS_NAMES = {"special": "特殊监管对象", "key": "重点监管对象", "general": "一般监管对象"}


@dataclass
class Tally:
    """The inspection figures of one group (a region, a class, the campaigns, everything)."""

    due: int = 0
    done: int = 0
    overdue: int = 0
    operating: int = 0
    problems: int = 0
    corrections: int = 0
    referrals: int = 0
    not_inspectable: int = 0
    published: int = 0
    published_in_time: int = 0

    def add(self, case: InspectionCase, now: datetime) -> None:
        self.due += 1
        done = case.confirmed_at is not None
        self.done += done
        self.overdue += _overdue(case, now)
        if done and case.unit_status == UnitStatus.OPERATING:
            self.operating += 1
            self.problems += bool(case.problem_found)
        self.corrections += case.conclusion == Conclusion.CORRECT
        self.referrals += case.conclusion == Conclusion.REFER
        self.not_inspectable += case.conclusion == Conclusion.NOT_INSPECTABLE
        if case.published_at is not None:
            self.published += 1
            self.published_in_time += case.publish_due_at is None or case.published_at <= case.publish_due_at

    @property
    def problem_rate(self) -> float | None:
        return self.problems / self.operating if self.operating else None

    @property
    def in_time_rate(self) -> float | None:
        return self.published_in_time / self.published if self.published else None

    def row(self) -> list[Any]:
        return [self.due, self.done, self.overdue, self.problems, self.problem_rate, self.corrections,
                self.referrals, self.not_inspectable, self.published, self.published_in_time, self.in_time_rate]


@dataclass
class InspectionFigures:
    period: Period
    plans: int = 0
    campaign_plans: int = 0
    draws: int = 0
    total: Tally = field(default_factory=Tally)
    random: Tally = field(default_factory=Tally)
    campaigns: Tally = field(default_factory=Tally)
    by_city: dict[str, Tally] = field(default_factory=dict)
    by_county: dict[str, Tally] = field(default_factory=dict)
    by_class: dict[str, Tally] = field(default_factory=dict)


def _overdue(case: InspectionCase, now: datetime) -> bool:
    """Not confirmed by the end of the planned day (Shanghai), counted once that day is over."""
    end_of_day = datetime.combine(case.planned_date, time.max, CHINA)
    finished = case.confirmed_at or now
    return finished > end_of_day


def figures(session: Session, actor: Actor, period: Period, now: datetime | None = None) -> InspectionFigures:
    """The figures over the actor's scope.

    :raises NotAllowed: for accounts that are not reviewers or administrators.
    """
    scope.require_reviewer(actor)
    moment, result = now or utcnow(), InspectionFigures(period)
    plans = session.scalars(select(InspectionPlan).where(
        scope.clause(actor, InspectionPlan.body_region_code, literal(None)),
        InspectionPlan.inspect_from < period.end.date(), InspectionPlan.inspect_to >= period.start.date())).all()
    result.plans = sum(p.kind != "campaign" for p in plans)
    result.campaign_plans = len(plans) - result.plans
    result.draws = len(session.scalars(select(Draw.id).join(InspectionPlan, InspectionPlan.id == Draw.plan_id).where(
        scope.clause(actor, InspectionPlan.body_region_code, literal(None)),
        Draw.drawn_at >= period.start, Draw.drawn_at < period.end)).all())
    cases = session.scalars(select(InspectionCase).where(
        scope.clause(actor, InspectionCase.region_code, InspectionCase.enterprise_code),
        InspectionCase.planned_date >= period.start.date(), InspectionCase.planned_date < period.end.date())
        .order_by(InspectionCase.id)).all()
    for case in cases:
        for tally in _groups(result, case):
            tally.add(case, moment)
    return result


def _groups(result: InspectionFigures, case: InspectionCase) -> Iterable[Tally]:
    yield result.total
    yield result.campaigns if case.campaign else result.random
    yield result.by_city.setdefault(case.region_code[:4] + "00", Tally())
    yield result.by_county.setdefault(case.region_code, Tally())
    if not case.campaign:
        yield result.by_class.setdefault(case.object_class, Tally())


TALLY_COLUMNS = [Column("应检查", 9, INTEGER, total=True), Column("已检查", 9, INTEGER, total=True),
                 Column("逾期", 8, INTEGER, total=True), Column("发现问题", 9, INTEGER, total=True),
                 Column("问题发现率", 10, PERCENT), Column("责令改正", 9, INTEGER, total=True),
                 Column("移送立案", 9, INTEGER, total=True), Column("停产/关闭/查无", 10, INTEGER, total=True),
                 Column("已公开", 8, INTEGER, total=True), Column("按期公开", 9, INTEGER, total=True),
                 Column("按期公开率", 10, PERCENT)]


def title(period: Period) -> str:
    what = "年度总结" if period.month is None else "统计月报"
    return f"双随机、一公开抽查{what}（{period.label}）"


def summary(f: InspectionFigures) -> list[tuple[str, Any, str | None]]:
    t = f.total
    return [("抽查计划（个）", f.plans, INTEGER), ("专项行动（个）", f.campaign_plans, INTEGER),
            ("本期抽取（次）", f.draws, INTEGER), ("应检查（家次）", t.due, INTEGER), ("已检查（家次）", t.done, INTEGER),
            ("逾期未检查（家次）", t.overdue, INTEGER), ("发现问题（家次）", t.problems, INTEGER),
            ("问题发现率", t.problem_rate, PERCENT), ("责令改正（家次）", t.corrections, INTEGER),
            ("移送立案（件）", t.referrals, INTEGER), ("已公开结果（条）", t.published, INTEGER),
            ("按期公开率", t.in_time_rate, PERCENT),
            ("其中：双随机抽查应检查（家次）", f.random.due, INTEGER),
            ("其中：专项行动应检查（家次）", f.campaigns.due, INTEGER)]


def _grouped(groups: dict[str, Tally], name: Callable[[str], str] = str) -> list[list[Any]]:
    return [[name(key), *tally.row()] for key, tally in sorted(groups.items())]


def build_xlsx(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    f = figures(session, actor, period, now)
    book = new_workbook()
    add_pairs(book, "概况", title(period), summary(f))
    add_table(book, "按地市", f"按地市统计（{period.label}）", [Column("地市代码", 10), *TALLY_COLUMNS], _grouped(f.by_city))
    add_table(book, "按区县", f"按区县统计（{period.label}）", [Column("区县代码", 10), *TALLY_COLUMNS], _grouped(f.by_county))
    add_table(book, "按对象类别", f"双随机抽查按对象类别统计（不含专项行动，{period.label}）",
              [Column("对象类别", 14), *TALLY_COLUMNS], _grouped(f.by_class, lambda k: CLASS_NAMES.get(k, k)))
    add_table(book, "专项行动", f"双随机抽查与专项行动分列（{period.label}）", [Column("类型", 14), *TALLY_COLUMNS],
              [["双随机抽查", *f.random.row()], ["专项行动", *f.campaigns.row()]])
    return to_bytes(book)


def build_pdf(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from engine.reports.pdf import _font, _table, format_value

    f = figures(session, actor, period, now)
    heading = ParagraphStyle("h", fontName=_font(), fontSize=16, leading=22, spaceAfter=6)
    sub = ParagraphStyle("s", fontName=_font(), fontSize=11, leading=16, spaceBefore=8, spaceAfter=4)

    def grouped(label: str, rows: Sequence[list[Any]]) -> Any:
        header = [label, *[c.header for c in TALLY_COLUMNS]]
        body = [[str(r[0]), *[format_value(v, c.number_format) for v, c in zip(r[1:], TALLY_COLUMNS)]] for r in rows]
        return _table([header, *body], [24 * mm] + [21 * mm] * len(TALLY_COLUMNS))

    story: list[Any] = [
        Paragraph(title(period), heading),
        _table([["指标", "数值"]] + [[label, format_value(v, fmt)] for label, v, fmt in summary(f)], [90 * mm, 50 * mm]),
        Spacer(1, 6), Paragraph("按地市", sub), grouped("地市代码", _grouped(f.by_city)),
        Paragraph("按对象类别（不含专项行动）", sub),
        grouped("对象类别", _grouped(f.by_class, lambda k: CLASS_NAMES.get(k, k))),
        Paragraph("双随机抽查与专项行动分列", sub),
        grouped("类型", [["双随机抽查", *f.random.row()], ["专项行动", *f.campaigns.row()]])]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title(period)).build(story)
    return buffer.getvalue()
