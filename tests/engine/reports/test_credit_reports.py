"""Credit reports from the rounds: the year's results with scores and the city table, the statistics report."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.credit.models import CreditRating, CreditScore
from engine.demo.bootstrap import seed
from engine.demo.credit import seed_credit_rounds
from engine.evidence.filestore import LocalFileStore
from engine.reports import builders
from engine.reports.period import Period
from tests.support.actors import ADMIN, COUNTY_TIANHE


def _sheet(data: bytes, name: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in load_workbook(io.BytesIO(data))[name].iter_rows(values_only=True)]


def test_round_results_and_statistics(session: Session, tmp_path: Path) -> None:
    seed(session)
    seed_credit_rounds(session, LocalFileStore(tmp_path / "evidence"))
    rated = session.scalar(select(func.count()).select_from(CreditRating).where(CreditRating.year == 2023))
    results = _sheet(builders.build(session, ADMIN, "credit_round", Period(2023)), "评价结果")
    assert results[0][0] == "2023年广东省企业环境信用评价结果"
    body = [r for r in results[2:] if isinstance(r[0], int)]
    assert len(body) == rated and all(isinstance(r[4], float) for r in body)
    adjusted = session.scalars(select(CreditScore.adjust_reason).where(CreditScore.review_status == "adjusted")
                               .limit(1)).first()
    assert any(r[6] == adjusted for r in body)
    county = [r for r in _sheet(builders.build(session, COUNTY_TIANHE, "credit_round", Period(2023)), "评价结果")[2:]
              if isinstance(r[0], int)]
    assert county and all(r[3] == "440106" for r in county)  # scoped to the reader
    now = datetime.now(timezone(timedelta(hours=8)))
    stats = builders.build(session, ADMIN, "credit_statistics", Period(now.year, now.month))
    rounds = _sheet(stats, "评价轮次")
    assert {r[0] for r in rounds[2:] if isinstance(r[0], int)} >= {2023, 2026}
    levels = [r for r in _sheet(stats, "等级分布")[2:] if isinstance(r[0], str) and r[0] != "合计"]
    published_now = session.scalar(select(func.count()).select_from(CreditRating).where(
        CreditRating.status == "published", CreditRating.published_at >= Period(now.year, now.month).start))
    assert sum(sum(v for v in r[1:] if isinstance(v, int)) for r in levels) == published_now
    assert _sheet(builders.build(session, ADMIN, "credit_statistics", Period(now.year)), "异议")[0][0].endswith(
        f"（{now.year}年）")
