"""Each report opened as a file (openpyxl, pypdf) and compared with the rows it came from."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, NotAllowed
from engine.reports.builders import KINDS, build
from engine.reports.period import Period
from tests.engine.reports import data
from tests.support.actors import ADMIN, CITY_GZ, CITY_SZ, ENT_TIANHE

OCTOBER = Period(2026, 10)


@pytest.fixture
def province(session: Session) -> data.Province:
    return data.build(session)


def _sheet(content: bytes, name: str) -> Worksheet:
    return load_workbook(BytesIO(content))[name]


def _table(sheet: Worksheet) -> list[dict[str, Any]]:
    """The data rows under the header row (row 2), as dicts by Chinese header, totals row left out."""
    headers = [c.value for c in sheet[2]]
    rows = [dict(zip(headers, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=3)]
    return [r for r in rows if r[headers[0]] != "合计"]


def _check_layout(sheet: Worksheet, first_header: str) -> None:
    assert sheet["A2"].value == first_header and sheet["A2"].font.b
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width > 0


def test_supervision_ledger_for_incineration(session: Session, province: data.Province) -> None:
    content = build(session, CITY_GZ, "supervision_ledger", OCTOBER, industry=data.INCINERATION)
    sheet = _sheet(content, "督办台账")
    _check_layout(sheet, "序号")
    assert "垃圾焚烧督办台账（2026年10月）" == sheet["A1"].value
    rows = _table(sheet)
    assert [r["企业名称"] for r in rows] == ["天河焚烧发电厂", "白云焚烧发电厂"]
    tianhe, baiyun = rows
    assert tianhe["统一社会信用代码"] == province.enterprises["tianhe"].credit_code
    assert tianhe["异常类型"] == "超标" and tianhe["因子"] == "a21026" and tianhe["异常次数"] == 3
    assert tianhe["企业说明"] == "equipment_fault；分析仪故障；已更换"
    assert tianhe["审核意见"].splitlines() == [
        "区县审核（已完成）county-440106 2026-10-04 09:00 accept：说明属实",
        "地市审核（已完成）city-440100 2026-10-05 09:00 accept：同意办结"]
    assert tianhe["当前状态"] == "已办结（accepted）"
    assert tianhe["办结时间"].strftime("%Y-%m-%d %H:%M") == "2026-10-05 09:00"  # Shanghai time
    assert baiyun["企业说明"] == "other；补充运维记录"  # the latest explanation
    assert "证据不足，请补充" in baiyun["审核意见"] and "已退回" in baiyun["审核意见"]
    assert baiyun["当前状态"] == "待区县审核"
    totals = [row for row in sheet.iter_rows(min_row=3) if row[0].value == "合计"]
    assert totals and totals[0][9].value == "=SUM(J3:J4)"


def test_supervision_ledger_respects_scope(session: Session, province: data.Province) -> None:
    rows = _table(_sheet(build(session, CITY_SZ, "supervision_ledger", OCTOBER), "督办台账"))
    assert [r["企业名称"] for r in rows] == ["福田热电厂"]


def test_support_table_lists_every_step(session: Session, province: data.Province) -> None:
    content = build(session, ADMIN, "support_table", OCTOBER)
    tickets = _table(_sheet(content, "技术支持表"))
    assert [t["工单号"] for t in tickets] == [t.ticket_no for t in province.tickets]
    assert [t["状态"] for t in tickets] == ["已关闭", "处理中", "待受理"]
    assert tickets[0]["处理过程"] == "受理分派（已完成）admin 2026-10-08 10:00 assign：派单1"
    steps = _table(_sheet(content, "处理步骤"))
    assert [(s["工单号"], s["意见"]) for s in steps] == [(t.ticket_no, f"派单{n}")
                                                      for n, t in enumerate(province.tickets, start=1)]
    assert _sheet(content, "技术支持表")["L3"].number_format == "yyyy-mm-dd hh:mm"


def test_credit_results_with_objections_and_corrections(session: Session, province: data.Province) -> None:
    sheet = _sheet(build(session, ADMIN, "credit_results", OCTOBER), "信用评价结果")
    _check_layout(sheet, "序号")
    (row,) = _table(sheet)
    assert row["企业名称"] == "天河焚烧发电厂" and row["评价等级"] == 2 and row["等级名称"] == "环保良好企业"
    assert row["异议"] == 1 and row["异议处理结果"] == "已更正：环保良好企业（采纳）"
    assert row["更正记录"] == "环保警示企业→环保良好企业（objection）"
    assert _table(_sheet(build(session, CITY_SZ, "credit_results", OCTOBER), "信用评价结果")) == []


def test_tax_review_ledger_days_taken(session: Session, province: data.Province) -> None:
    sheet = _sheet(build(session, ADMIN, "tax_review_ledger", OCTOBER), "复核台账")
    rows = _table(sheet)
    assert [r["请求编号"] for r in rows] == [r.request_no for r in province.reviews]
    assert [r["用时（天）"] for r in rows] == [3.0, 20.0, None]
    assert [r["按期答复"] for r in rows] == [1, 0, 0]
    assert [r["状态"] for r in rows] == ["已答复", "已答复", "办理中"]
    assert sheet["J3"].number_format == "#,##0.0"


def test_base_list_of_key_units(session: Session, province: data.Province) -> None:
    sheet = _sheet(build(session, ADMIN, "base_list", Period(2026), now=data.NOW), "基数排查表")
    rows = {r["企业名称"]: r for r in _table(sheet)}
    assert set(rows) == {"天河焚烧发电厂", "白云焚烧发电厂", "福田热电厂"}
    baiyun = rows["白云焚烧发电厂"]
    assert baiyun["监测点 MN"] == "MN-BAIYUN" and baiyun["联网状态"] == "已联网"
    # over the year: September expected but nothing received, October 600 of 744 hours
    assert baiyun["传输率"] == pytest.approx(600 / (30 * 24 + 744 + (data.NOW - data.datetime(
        2026, 11, 1, tzinfo=data.CHINA)).total_seconds() // 3600))
    assert baiyun["达标（≥90%）"] == "否"
    assert sheet["J3"].number_format == "0.00%"


def test_monthly_workbook(session: Session, province: data.Province) -> None:
    content = build(session, CITY_GZ, "monthly", OCTOBER, now=data.NOW)
    book = load_workbook(BytesIO(content))
    assert book.sheetnames[:4] == ["概况", "按地区", "按行业", "按流程"]
    assert book["概况"]["A1"].value == "生态环境闭环监管平台运行月报（2026年10月，广州市）"
    figures = {r["指标"]: r["数值"] for r in _table(book["概况"])}
    assert figures["新增任务（个）"] == 9 and figures["退回任务（个）"] == 1 and figures["逾期任务（个）"] == 1
    assert figures["超标处理率"] == 0.5 and figures["有效传输率低于90%的企业（家）"] == 1
    assert figures["15日内答复（件）"] == 1
    (region,) = _table(book["按地区"])
    assert (region["地区"], region["新增"], region["办结"], region["平均办结时长（小时）"]) == ("广州市", 9, 7, 162.0)
    assert len(book["按地区"]._charts) == 1
    below = _table(book["低于90%企业"])
    assert [b["企业名称"] for b in below] == ["白云焚烧发电厂"]
    assert below[0]["有效传输率"] == pytest.approx(600 / 744)


def test_monthly_pdf_text(session: Session, province: data.Province) -> None:
    content = build(session, CITY_GZ, "monthly_pdf", OCTOBER, now=data.NOW)
    assert content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    squeezed = "".join(text.split())
    assert "运行月报" in squeezed and "广州市" in squeezed
    assert "白云焚烧发电厂" in squeezed and "80.65%" in squeezed  # 600 / 744
    assert "超标处理率50.00%" in squeezed


def test_unknown_kind_and_enterprise_accounts(session: Session, province: data.Province) -> None:
    with pytest.raises(InvalidInput, match="kind"):
        build(session, ADMIN, "nope", OCTOBER)
    for key in KINDS:
        with pytest.raises(NotAllowed):
            build(session, ENT_TIANHE, key, OCTOBER, now=data.NOW)


def test_annual_summary_sums_the_year(session: Session, province: data.Province) -> None:
    content = build(session, ADMIN, "annual", Period(2026), now=data.NOW)
    book = load_workbook(BytesIO(content))
    assert book["概况"]["A1"].value == "生态环境闭环监管平台年度总结（2026年，广东省）"
    figures = {r["指标"]: r["数值"] for r in _table(book["概况"])}
    assert figures["新增任务（个）"] == 11 and figures["超标处理率"] == pytest.approx(2 / 3)
    pdf = build(session, ADMIN, "annual_pdf", Period(2026), now=data.NOW)
    assert "年度总结" in "".join("".join(p.extract_text().split()) for p in PdfReader(BytesIO(pdf)).pages)
