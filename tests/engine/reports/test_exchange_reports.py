"""The tax exchange's reports, opened as files: their counts equal the stored batches, findings and records."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotAllowed
from engine.exchange import canonical, ingest, outgoing
from engine.exchange.categories import Category
from engine.exchange.datacheck.models import Finding
from engine.exchange.datacheck.run import run_month
from engine.exchange.models import Direction, ExchangeBatch, TaxTaxpayer
from engine.reports.builders import build
from engine.reports.period import Period
from tests.engine.exchange.datacheck.records import Records, credit_code
from tests.support.actors import ADMIN, COUNTY_BAIYUN, COUNTY_TIANHE, ENT_TIANHE
from tests.support.processes import TAX

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def records(session: Session) -> Records:
    return Records(session)


def rows_of(content: bytes, sheet: str) -> list[dict[str, Any]]:
    book = load_workbook(BytesIO(content))[sheet]
    headers = [c.value for c in book[2]]
    rows = [dict(zip(headers, (c.value for c in row), strict=True)) for row in book.iter_rows(min_row=3)]
    return [r for r in rows if r[headers[0]] != "合计"]


def this_month() -> Period:
    today = datetime.now(CHINA)
    return Period(today.year, today.month)


def send_taxpayers(session: Session, batch_no: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    period = str(this_month())
    return ingest.receive(session, TAX, ingest.BatchIn(batch_no, Category.TAXPAYERS, period, int(batch_no[-1]),
                                                       len(records), canonical.checksum(records), records))


def taxpayer(n: int, **changes: Any) -> dict[str, Any]:
    return {"credit_code": credit_code(n), "name": f"纳税人{n}", "region_code": "440106", **changes}


def test_sync_statistics_count_the_stored_batches(session: Session) -> None:
    send_taxpayers(session, "TP-1", [taxpayer(1), taxpayer(2), taxpayer(3, credit_code="short")])
    send_taxpayers(session, "TP-1", [taxpayer(1), taxpayer(2), taxpayer(3, credit_code="short")])  # a resend
    send_taxpayers(session, "TP-2", [taxpayer(4)])
    for n in (1, 2):
        outgoing.queue_review_feedback(session, key=f"INS-{n}", credit_code=credit_code(n), region_code="440106",
                                       tax_period="2026-10", conclusion="confirmed", opinion="属实")
        if n == 1:
            outgoing.pull(session, TAX, Category.REVIEW_FEEDBACK, "")  # the first batch pulled, the second waits
    content = build(session, ADMIN, "tax_sync", this_month())
    summary = {r["数据类别"]: r for r in rows_of(content, "分类汇总")}

    incoming = session.execute(select(func.count(), func.sum(ExchangeBatch.record_count),
                                      func.sum(ExchangeBatch.accepted + ExchangeBatch.unchanged),
                                      func.sum(ExchangeBatch.refused)).where(
        ExchangeBatch.direction == Direction.IN.value, ExchangeBatch.category == "taxpayers")).one()
    tp = summary["纳税人基础信息"]
    assert (tp["批次"], tp["接收记录"], tp["接受"], tp["拒收"]) == tuple(int(v) for v in incoming) == (2, 4, 3, 1)
    assert session.scalar(select(func.count()).select_from(TaxTaxpayer)) == tp["接受"]
    fb = summary["复核反馈"]
    assert (fb["批次"], fb["发送记录"], fb["待取"], fb["接收记录"]) == (2, 1, 1, 0)
    assert summary["申报信息"]["批次"] == 0
    today = datetime.now(CHINA).strftime("%Y-%m-%d")
    days = rows_of(content, "按日")
    assert {(r["数据类别"], r["日期"]) for r in days} == {("纳税人基础信息", today), ("复核反馈", today)}
    year = rows_of(build(session, COUNTY_TIANHE, "tax_sync", Period(this_month().year)), "按月")
    assert [(r["数据类别"], r["批次"]) for r in year] == [("纳税人基础信息", 2), ("复核反馈", 2)]
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(build(session, ADMIN, "tax_sync_pdf",
                                                                          this_month()))).pages)
    assert "数据同步情况统计表" in text and "纳税人基础信息" in text
    with pytest.raises(NotAllowed):
        build(session, ENT_TIANHE, "tax_sync", this_month())


def findings_month(session: Session, records: Records) -> None:
    tianhe = records.enterprise(credit_code(10))
    point = records.point(tianhe, "DA001")
    records.point(tianhe, "DA002")  # no source
    records.taxpayer(credit_code(10))
    records.tax_return(records.source(credit_code(10), "S-10", "DA001"), "2026-07", 100.0)
    records.monitored(point, "2026-07", 1000.0)
    baiyun = records.enterprise(credit_code(11, "440111"), "440111", permit="")
    records.taxpayer(credit_code(11, "440111"), "440111")
    records.source(credit_code(11, "440111"), "S-11", "DW001", method="coefficient")
    run_month(session, ADMIN, "2026-07", today=date(2026, 10, 16), refresh_figures=False)
    assert baiyun.id


def test_the_inspection_table_counts_the_stored_findings(session: Session, records: Records) -> None:
    findings_month(session, records)
    july = Period(2026, 7)
    by_rule = {r["监查规则"]: r for r in rows_of(build(session, ADMIN, "tax_inspection", july), "按规则")}
    stored = dict(session.execute(select(Finding.rule, func.count()).group_by(Finding.rule)).all())
    assert {k: v for k, v in stored.items()} == {"declared_below_monitored": 1, "outlets_without_source": 1,
                                                 "source_without_permit": 1}
    assert by_rule["申报排放量低于自动监测排放量"]["待核实"] == 1 and by_rule["税源无有效排污许可"]["合计"] == 1
    assert sum(r["合计"] for r in by_rule.values()) == sum(stored.values())
    by_county = {(r["区县代码"], r["区县"]): r["合计"] for r in rows_of(build(session, ADMIN, "tax_inspection", july),
                                                                      "按区县")}
    assert by_county == {("440106", "天河区"): 2, ("440111", "白云区"): 1}
    mine = rows_of(build(session, COUNTY_TIANHE, "tax_inspection", july), "监查明细")
    assert [r["纳税人识别号"] for r in mine] == [credit_code(10), credit_code(10)]
    assert rows_of(build(session, COUNTY_BAIYUN, "tax_inspection", Period(2026, 8)), "监查明细") == []
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(build(session, ADMIN, "tax_inspection_pdf", july))).pages)
    assert "数据监查表" in text


def test_the_tax_statistics_count_taxpayers_returns_and_findings(session: Session, records: Records) -> None:
    findings_month(session, records)
    rows = {r["地市代码"]: r for r in rows_of(build(session, ADMIN, "tax_statistics", Period(2026, 7)), "按地市")}
    gz = rows["440100"]
    assert gz["地市"] == "广州市"
    assert (gz["纳税人"], gz["已匹配企业"], gz["税源"], gz["申报明细"], gz["监查发现"]) == (2, 2, 2, 1, 3)
    assert gz["申报排放量（千克）"] == 100.0 and gz["申报税额（元）"] == 100.0
    county = {r["地市代码"]: r for r in rows_of(build(session, COUNTY_BAIYUN, "tax_statistics", Period(2026, 7)),
                                              "按地市")}
    assert (county["440100"]["纳税人"], county["440100"]["监查发现"]) == (1, 1)
    pdf = PdfReader(BytesIO(build(session, ADMIN, "tax_statistics_pdf", Period(2026, 7))))
    assert "环保税涉税信息统计报表" in "".join(p.extract_text() for p in pdf.pages)
