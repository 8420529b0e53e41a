"""安装联网基数排查表: the year's key units with their points, networking status and effective transmission rate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import utcnow
from engine.monitoring.models import Enterprise, MonitoringPoint
from engine.monitoring.rates import RateRow
from engine.reports import scope
from engine.reports.figures import scoped_point_rates
from engine.reports.period import Period
from engine.reports.workbook import PERCENT, Column, add_table, new_workbook, to_bytes

KIND_NAMES = {"water": "废水", "air": "废气"}


def networking_status(point: MonitoringPoint, rates: RateRow | None) -> str:
    """已联网 (data received in the period), 未传输 (active, nothing received) or 已停用."""
    if not point.active:
        return "已停用"
    return "已联网" if rates is not None and rates.counts.received > 0 else "未传输"


def base_list(session: Session, actor: Actor, period: Period, now: datetime | None = None
              ) -> list[tuple[Enterprise, MonitoringPoint, RateRow | None]]:
    """Every point of the key units the actor may see, with its rates over the period."""
    scope.require_reviewer(actor)
    rates = {r.key: r for r in scoped_point_rates(session, actor, period, now or utcnow())}
    rows = session.execute(
        select(Enterprise, MonitoringPoint).join(MonitoringPoint, MonitoringPoint.enterprise_id == Enterprise.id)
        .where(Enterprise.key_unit.is_(True), MonitoringPoint.monitoring_since < period.end,
               scope.clause(actor, Enterprise.region_code, Enterprise.credit_code))
        .order_by(Enterprise.region_code, Enterprise.name, MonitoringPoint.mn)).all()
    return [(e, p, rates.get(p.mn)) for e, p in rows]


def build_xlsx(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    rows = base_list(session, actor, period, now)
    book = new_workbook()
    columns = [Column("序号", 6), Column("地区代码", 10), Column("企业名称", 28), Column("统一社会信用代码", 20),
               Column("行业", 16), Column("监测点 MN", 26), Column("监测点名称", 20), Column("类型", 8),
               Column("联网状态", 10), Column("传输率", 10, PERCENT), Column("有效率", 10, PERCENT),
               Column("有效传输率", 11, PERCENT), Column("达标（≥90%）", 12)]
    add_table(book, "基数排查表", f"重点排污单位安装联网基数排查表（{period.year}年）", columns, (
        [n, e.region_code, e.name, e.credit_code, e.industry, p.mn, p.name, KIND_NAMES.get(p.kind, p.kind),
         networking_status(p, r), r.transmission if r else None, r.validity if r else None,
         r.effective if r else None, "" if r is None or r.passed is None else ("是" if r.passed else "否")]
        for n, (e, p, r) in enumerate(rows, start=1)), totals_label=None)
    return to_bytes(book)
