"""The tax exchange's reports from stored counts: 数据同步情况统计表, 数据监查表 and the tax system's 统计报表.

Each report is a list of :class:`Sheet` (computed once), written as a workbook or as a PDF. The sync
statistics are province-wide (batches belong to no region) and go to administrators and province
reviewers; the inspection table and the statistics are scoped to the reviewer's region.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.exchange.categories import LABELS, Category, direction_of
from engine.exchange.datacheck.matching import taxpayer_matches
from engine.exchange.datacheck.models import Finding, FindingStatus
from engine.exchange.datacheck.rule_defaults import RULE_NAMES, RULES
from engine.exchange.models import ExchangeBatch, TaxPayment, TaxReturn, TaxSource
from engine.regions import region_tree
from engine.reports import pdf, scope
from engine.reports.period import CHINA, Period
from engine.reports.sqltime import city_of
from engine.reports.workbook import DECIMAL, INTEGER, Column, add_table, new_workbook, to_bytes
from engine.tax.models import TaxReview

STATUS_NAMES = {FindingStatus.OPEN: "待核实", FindingStatus.VERIFYING: "核实中", FindingStatus.CONFIRMED: "属实",
                FindingStatus.DISMISSED: "不属实", FindingStatus.CLEARED: "已消除"}


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    totals: bool = True


def workbook(sheets: Sequence[Sheet]) -> bytes:
    book = new_workbook()
    for sheet in sheets:
        add_table(book, sheet.name, sheet.title, sheet.columns, sheet.rows, totals_label="合计" if sheet.totals else None)
    return to_bytes(book)


def printable(title: str, sheets: Sequence[Sheet]) -> bytes:
    return pdf.tables_pdf(title, [(s.title, [c.header for c in s.columns], s.rows, [c.number_format for c in s.columns])
                                  for s in sheets])


# 数据同步情况统计表 ------------------------------------------------------------------------------------------


@dataclass
class SyncCounts:
    batches: int = 0
    sent: int = 0  # environment side: records the tax side pulled
    pending: int = 0  # environment side: records offered, not yet pulled
    received: int = 0  # tax side: records in the batches received
    accepted: int = 0  # tax side: stored (new, corrected, or resent unchanged)
    refused: int = 0
    lag_hours: float = 0.0  # summed; divided by batches when shown

    def add(self, batch: ExchangeBatch, lag: float) -> None:
        self.batches += 1
        self.lag_hours += lag
        if batch.direction == "out":
            if batch.sent_at is not None:
                self.sent += batch.record_count
            else:
                self.pending += batch.record_count
        else:
            self.received += batch.record_count
            self.accepted += batch.accepted + batch.unchanged
            self.refused += batch.refused

    def row(self) -> list[Any]:
        mean = round(self.lag_hours / self.batches, 1) if self.batches else None
        return [self.batches, self.sent, self.received, self.accepted, self.refused, self.pending, mean]


def sync_counts(session: Session, actor: Actor, period: Period, now: datetime) -> dict[tuple[str, str], SyncCounts]:
    """(category, day or month) → counts of the batches received or produced then (Shanghai time).

    Lag: for a batch from the tax side, hours from the end of the day (or month) it covers to its
    receipt; for one offered to the tax side, hours from its production until pulled (until ``now``
    while it waits).

    The counts are province-wide (a batch belongs to no region and holds no single enterprise's data).

    :raises NotAllowed: unless a reviewer or administrator.
    """
    scope.require_reviewer(actor)
    counts: dict[tuple[str, str], SyncCounts] = defaultdict(SyncCounts)
    batches = session.scalars(select(ExchangeBatch).where(ExchangeBatch.received_at >= period.start,
                                                          ExchangeBatch.received_at < period.end))
    for batch in batches:
        local = batch.received_at.astimezone(CHINA)
        bucket = local.strftime("%Y-%m-%d") if period.month else local.strftime("%Y-%m")
        counts[(batch.category, bucket)].add(batch, _lag_hours(batch, now))
    return counts


def _lag_hours(batch: ExchangeBatch, now: datetime) -> float:
    if batch.direction == "out":
        return ((batch.sent_at or now) - batch.received_at).total_seconds() / 3600
    covered_end = _period_end(batch.period)
    if covered_end is None:
        return 0.0
    return max(0.0, (batch.received_at - covered_end).total_seconds() / 3600)


def _period_end(text: str) -> datetime | None:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=CHINA) + timedelta(days=1)
        year, month = int(text[:4]), int(text[5:7])
        return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=CHINA)
    except ValueError:
        return None


SYNC_COLUMNS = [Column("数据类别", 18), Column("方向", 8), Column("日期", 12), Column("批次", 8, INTEGER, total=True),
                Column("发送记录", 10, INTEGER, total=True), Column("接收记录", 10, INTEGER, total=True),
                Column("接受", 10, INTEGER, total=True), Column("拒收", 10, INTEGER, total=True),
                Column("待取", 10, INTEGER, total=True), Column("平均滞后（小时）", 12, DECIMAL)]


def sync_sheets(session: Session, actor: Actor, period: Period, now: datetime) -> list[Sheet]:
    counts = sync_counts(session, actor, period, now)
    direction = {"in": "税务→环保", "out": "环保→税务"}
    detail = [[LABELS[Category(cat)], direction[direction_of(Category(cat))], bucket, *c.row()]
              for (cat, bucket), c in sorted(counts.items(), key=lambda item: (list(Category).index(Category(
                  item[0][0])), item[0][1]))]
    totals: dict[str, SyncCounts] = {}
    for (cat, _), c in counts.items():
        total = totals.setdefault(cat, SyncCounts())
        for name in ("batches", "sent", "pending", "received", "accepted", "refused", "lag_hours"):
            setattr(total, name, getattr(total, name) + getattr(c, name))
    summary = [[LABELS[cat], direction[direction_of(cat)], period.label, *(totals.get(cat.value) or SyncCounts()).row()]
               for cat in Category]
    unit = "日" if period.month else "月"
    return [Sheet("分类汇总", f"数据同步情况统计表（{period.label}）", SYNC_COLUMNS, summary),
            Sheet(f"按{unit}", f"数据同步情况（按{unit}，{period.label}）", SYNC_COLUMNS, detail)]


def tax_sync_xlsx(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    return workbook(sync_sheets(session, actor, period, now or datetime.now(CHINA)))


def tax_sync_pdf(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    return printable(f"数据同步情况统计表（{period.label}）", sync_sheets(session, actor, period, now or datetime.now(CHINA)))


# 数据监查表 -------------------------------------------------------------------------------------------------


def _period_clause(period: Period) -> Any:
    return Finding.period == str(period) if period.month else Finding.period.startswith(f"{period.year}-")


def inspection_sheets(session: Session, actor: Actor, period: Period) -> list[Sheet]:
    """Findings of the period by rule and status, by county and rule, and the findings themselves.

    :raises NotAllowed: unless a reviewer or administrator.
    """
    scope.require_reviewer(actor)
    where = [_period_clause(period), scope.clause(actor, Finding.region_code, literal(""))]
    by_status = {(r, s): int(n) for r, s, n in session.execute(
        select(Finding.rule, Finding.status, func.count()).where(*where).group_by(Finding.rule, Finding.status))}
    statuses = list(FindingStatus)
    status_columns = [Column(STATUS_NAMES[s], 9, INTEGER, total=True) for s in statuses]
    first = [[RULE_NAMES[rule], *[by_status.get((rule, s.value), 0) for s in statuses],
              sum(by_status.get((rule, s.value), 0) for s in statuses)] for rule in RULES]
    by_region = {(g, r): int(n) for g, r, n in session.execute(
        select(Finding.region_code, Finding.rule, func.count()).where(*where).group_by(Finding.region_code, Finding.rule))}
    regions = sorted({g for g, _ in by_region})
    second = [[g, _region_name(g), *[by_region.get((g, rule), 0) for rule in RULES],
               sum(by_region.get((g, r), 0) for r in RULES)] for g in regions]
    findings = session.scalars(select(Finding).where(*where).order_by(Finding.period, Finding.region_code,
                                                                      Finding.rule, Finding.id))
    third = [[f.id, f.period, RULE_NAMES[f.rule], f.region_code, f.taxpayer_code, f.outlet_code, f.pollutant,
              f.declared, f.observed, f.limit, STATUS_NAMES[FindingStatus(f.status)], f.opinion] for f in findings]
    return [
        Sheet("按规则", f"数据监查表（{period.label}）", [Column("监查规则", 30), *status_columns,
                                                       Column("合计", 9, INTEGER, total=True)], first),
        Sheet("按区县", f"数据监查发现（按区县，{period.label}）",
              [Column("区县代码", 10), Column("区县", 12), *[Column(RULE_NAMES[r], 14, INTEGER, total=True) for r in RULES],
               Column("合计", 9, INTEGER, total=True)], second),
        Sheet("监查明细", f"数据监查明细（{period.label}）",
              [Column("编号", 8), Column("所属期", 9), Column("监查规则", 26), Column("区县代码", 10),
               Column("纳税人识别号", 20), Column("排放口", 10), Column("污染物", 9), Column("申报值", 12, DECIMAL),
               Column("监测值", 12, DECIMAL), Column("限值", 10, DECIMAL), Column("状态", 8), Column("核实意见", 40)],
              third, totals=False),
    ]


def inspection_xlsx(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    return workbook(inspection_sheets(session, actor, period))


def inspection_pdf(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    return printable(f"数据监查表（{period.label}）", inspection_sheets(session, actor, period)[:2])


# 涉税统计报表 -----------------------------------------------------------------------------------------------


def _months(period: Period) -> list[str]:
    return [f"{m.year:04d}-{m.month:02d}" for m in period.months()]


def statistics_sheets(session: Session, actor: Actor, period: Period) -> list[Sheet]:
    """The tax system's monthly statistics per city: taxpayers (matched), sources, returns and tax, payments,
    review requests, findings.

    :raises NotAllowed: unless a reviewer or administrator.
    """
    scope.require_reviewer(actor)
    months = _months(period)
    tm = taxpayer_matches()
    visible = scope.clause(actor, tm.c.region_code, tm.c.credit_code)
    city = city_of(tm.c.region_code)
    per_city: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def collect(name: str, query: Any) -> None:
        for row in session.execute(query):
            per_city[f"{row[0]}00"][name] += float(row[1] or 0)

    collect("taxpayers", select(city, func.count()).where(visible).group_by(city))
    collect("matched", select(city, func.count()).where(visible, tm.c.enterprise_id.is_not(None)).group_by(city))
    collect("sources", select(city, func.count()).join(TaxSource, TaxSource.credit_code == tm.c.credit_code)
            .where(visible).group_by(city))
    returns = select(city, func.count(), func.sum(TaxReturn.emission_kg), func.sum(TaxReturn.tax_amount)).join(
        TaxReturn, TaxReturn.credit_code == tm.c.credit_code).where(visible, TaxReturn.month.in_(months)).group_by(city)
    for found in session.execute(returns):
        row = per_city[f"{found[0]}00"]
        row["return_lines"] += int(found[1])
        row["emission_kg"] += float(found[2] or 0)
        row["tax_declared"] += float(found[3] or 0)
    payments = select(city, func.count(), func.sum(TaxPayment.amount)).join(
        TaxPayment, TaxPayment.credit_code == tm.c.credit_code).where(
        visible, TaxPayment.tax_period.in_(months)).group_by(city)
    for paid in session.execute(payments):
        per_city[f"{paid[0]}00"]["payments"] += int(paid[1])
        per_city[f"{paid[0]}00"]["tax_paid"] += float(paid[2] or 0)
    review_city = city_of(TaxReview.region_code)
    collect("reviews", select(review_city, func.count()).where(
        TaxReview.tax_period.in_(months), scope.clause(actor, TaxReview.region_code, TaxReview.enterprise_code))
        .group_by(review_city))
    finding_city = city_of(Finding.region_code)
    collect("findings", select(finding_city, func.count()).where(
        Finding.period.in_(months), scope.clause(actor, Finding.region_code, literal(""))).group_by(finding_city))
    names = ["taxpayers", "matched", "sources", "return_lines", "emission_kg", "tax_declared", "payments", "tax_paid",
             "reviews", "findings"]
    rows = [[code, _region_name(code), *[_shown(per_city[code][n], n) for n in names]] for code in sorted(per_city)]
    columns = [Column("地市代码", 10), Column("地市", 10), Column("纳税人", 9, INTEGER, total=True), Column("已匹配企业", 10, INTEGER, total=True),
               Column("税源", 9, INTEGER, total=True), Column("申报明细", 10, INTEGER, total=True),
               Column("申报排放量（千克）", 16, DECIMAL, total=True), Column("申报税额（元）", 14, DECIMAL, total=True),
               Column("入库笔数", 9, INTEGER, total=True), Column("入库税额（元）", 14, DECIMAL, total=True),
               Column("复核提请", 9, INTEGER, total=True), Column("监查发现", 9, INTEGER, total=True)]
    return [Sheet("按地市", f"环保税涉税信息统计报表（{period.label}）", columns, rows)]


def _region_name(code: str) -> str:
    region = region_tree().get(code)
    return region.name if region is not None else ""


def _shown(value: float, name: str) -> float | int:
    return round(value, 2) if name in ("emission_kg", "tax_declared", "tax_paid") else int(value)


def statistics_xlsx(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    return workbook(statistics_sheets(session, actor, period))


def statistics_pdf(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    return printable(f"环保税涉税信息统计报表（{period.label}）", statistics_sheets(session, actor, period))
