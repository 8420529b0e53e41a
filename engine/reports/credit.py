"""Credit reports from the rating rounds: 《xxx年广东省企业环境信用评价结果》, the credit platform's
统计报表 (a month or a year: rounds, levels by city, objections and their outcome, repairs) — the
monthly statistics for ``YYYY-MM`` and the annual summary for ``YYYY``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.credit.models import (
    LEVEL_NAMES,
    CreditObjection,
    CreditRating,
    CreditRepair,
    CreditRound,
    CreditScore,
    RatingStatus,
)
from engine.reports import scope
from engine.reports.period import Period
from engine.reports.workbook import DATETIME, INTEGER, Column, add_table, new_workbook, to_bytes

OBJECTION_NAMES = {"open": "办理中", "kept": "维持", "corrected": "更正", "lapsed": "逾期未提交"}
REPAIR_NAMES = {"open": "办理中", "noticed": "公示中", "repaired": "已修复", "refused": "不予修复"}
DECIMAL2 = "0.00"


def round_results(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    """《{year}年广东省企业环境信用评价结果》: the year's published round, score and levels per enterprise.

    :raises NotAllowed: for enterprise and tax accounts.
    """
    scope.require_reviewer(actor)
    rows = session.execute(
        select(CreditScore, CreditRating).join(CreditRound, CreditRound.id == CreditScore.round_id)
        .join(CreditRating, CreditRating.id == CreditScore.rating_id)
        .where(CreditRound.year == period.year, CreditRating.status == RatingStatus.PUBLISHED,
               scope.clause(actor, CreditScore.region_code, CreditScore.enterprise_code))
        .order_by(CreditScore.region_code, CreditScore.enterprise_code)).all()
    book = new_workbook()
    columns = [Column("序号", 6), Column("企业名称", 28), Column("统一社会信用代码", 20), Column("地区代码", 10),
               Column("综合得分", 9, DECIMAL2), Column("计算等级", 14), Column("审核调整", 30), Column("评价等级", 14),
               Column("企业数", 8, INTEGER, total=True)]
    add_table(book, "评价结果", f"{period.year}年广东省企业环境信用评价结果", columns, (
        [n, s.enterprise_name, s.enterprise_code, s.region_code, s.score, LEVEL_NAMES.get(s.proposed_level, ""),
         s.adjust_reason, LEVEL_NAMES.get(r.level, ""), 1] for n, (s, r) in enumerate(rows, start=1)))
    by_city = Counter((s.region_code[:4] + "00", r.level) for s, r in rows)
    cities = sorted({city for city, _ in by_city})
    add_table(book, "按地市", f"{period.year}年各地市评价等级分布", _level_columns("地市"),
              ([city, *[by_city.get((city, lv), 0) for lv in (1, 2, 3, 4)]] for city in cities))
    return to_bytes(book)


def _level_columns(first: str) -> list[Column]:
    return [Column(first, 12), *[Column(LEVEL_NAMES[lv], 14, INTEGER, total=True) for lv in (1, 2, 3, 4)]]


def statistics(session: Session, actor: Actor, period: Period, *, now: datetime | None = None) -> bytes:
    """信用平台统计报表 for a month (or the annual summary for a year).

    :raises NotAllowed: for enterprise and tax accounts.
    """
    scope.require_reviewer(actor)
    start, end = period.start, period.end
    book = new_workbook()
    rounds = session.scalars(select(CreditRound).where(
        ((CreditRound.opened_at >= start) & (CreditRound.opened_at < end))
        | ((CreditRound.published_at >= start) & (CreditRound.published_at < end))).order_by(CreditRound.year))
    add_table(book, "评价轮次", f"企业环境信用评价轮次（{period.label}）",
              [Column("评价年度", 10), Column("状态", 10), Column("参评企业", 10, INTEGER, total=True),
               Column("开启时间", 20, DATETIME), Column("公布时间", 20, DATETIME)],
              ([r.year, {"reviewing": "审核中", "notice": "公示中", "published": "已公布"}.get(r.status, r.status),
                r.enterprises, r.opened_at, r.published_at] for r in rounds))
    city = func.substr(CreditRating.region_code, literal_column("1"), literal_column("4"))
    published = session.execute(
        select(city, CreditRating.level, func.count())
        .where(CreditRating.status == RatingStatus.PUBLISHED, CreditRating.published_at >= start,
               CreditRating.published_at < end,
               scope.clause(actor, CreditRating.region_code, CreditRating.enterprise_code))
        .group_by(city, CreditRating.level)).all()
    levels: dict[tuple[str, int], int] = {(f"{row[0]}00", int(row[1])): int(row[2]) for row in published}
    add_table(book, "等级分布", f"本期公布的评价等级（按地市，{period.label}）", _level_columns("地市"),
              ([city, *[levels.get((city, lv), 0) for lv in (1, 2, 3, 4)]]
               for city in sorted({c for c, _ in levels})))
    _outcomes(book, session, actor, period, "异议", CreditObjection, CreditObjection.filed_at, OBJECTION_NAMES)
    _outcomes(book, session, actor, period, "信用修复", CreditRepair, CreditRepair.applied_at, REPAIR_NAMES)
    return to_bytes(book)


def _outcomes(book: Any, session: Session, actor: Actor, period: Period, name: str, model: Any, filed: Any,
              names: dict[str, str]) -> None:
    counts: dict[str, int] = {str(row[0]): int(row[1]) for row in session.execute(
        select(model.status, func.count()).join(CreditRating, CreditRating.id == model.rating_id)
        .where(filed >= period.start, filed < period.end,
               scope.clause(actor, CreditRating.region_code, CreditRating.enterprise_code))
        .group_by(model.status))}
    add_table(book, name, f"{name}受理及结果（{period.label}）", [Column("结果", 14), Column("件数", 10, INTEGER, total=True)],
              ([label, int(counts.get(status, 0))] for status, label in names.items()))
