"""Reports read well: a rate without data says 无数据 with a note, and the PDF's chart keeps its caption."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session

from engine.monitoring.rates import Counts, RateRow
from engine.reports.builders import build
from engine.reports.figures import Figures, TaskGroup
from engine.reports.monthly import summary
from engine.reports.pdf import CHART_CAPTION, monthly_pdf
from engine.reports.period import Period
from engine.reports.workbook import NO_DATA, NO_DATA_NOTE
from tests.engine.reports import data
from tests.support.actors import CITY_GZ

RATES = ("传输率", "有效率", "有效传输率")


def _figures(regions: int, rates: list[RateRow]) -> Figures:
    groups = [TaskGroup(f"4401{n:02d}", n + 1, n, 0, 0) for n in range(regions)]
    return Figures(Period(2026, 10), "440100", groups, [], groups, [], [], [], rates, [], {}, 
                   {"received": 0, "answered": 0, "within_15_days": 0}, {"submitted": 0, "filed": 0}, {})


def _cells(sheet: object) -> list[object]:
    return [cell.value for row in sheet.iter_rows() for cell in row]  # type: ignore[attr-defined]


def test_monthly_workbook_says_no_data_where_a_rate_cannot_be_computed(session: Session) -> None:
    data.build(session)
    content = build(session, CITY_GZ, "monthly", Period(2026, 3), now=data.NOW)  # a month without any records
    book = load_workbook(BytesIO(content))
    figures = {row[0].value: row[1].value for row in book["概况"].iter_rows(min_row=3) if row[0].value}
    assert all(figures[name] == NO_DATA for name in RATES), figures
    assert NO_DATA_NOTE in _cells(book["概况"])


def test_rate_rows_without_expected_data_say_no_data_with_a_note(session: Session) -> None:
    data.build(session)
    content = build(session, CITY_GZ, "monthly", Period(2026, 10), now=data.NOW)
    sheet = load_workbook(BytesIO(content))["传输有效率"]
    headers = [c.value for c in sheet[2]]
    rows = [dict(zip(headers, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=3)]
    blank = [r for r in rows if r["地区"] not in (None, "合计", NO_DATA_NOTE) and r["传输率"] in (None, "")]
    assert not blank, "a rate cell is blank"
    if any(r["传输率"] == NO_DATA for r in rows):
        assert NO_DATA_NOTE in _cells(sheet)


def test_the_monthly_by_process_sheet_names_processes(session: Session) -> None:
    data.build(session)
    content = build(session, CITY_GZ, "monthly", Period(2026, 10), now=data.NOW)
    names = [row[0].value for row in load_workbook(BytesIO(content))["按流程"].iter_rows(min_row=3)]
    assert "anomaly_closure" not in names and "异常闭环" in names  # the name the test data deployed it under


def _page_texts(content: bytes) -> list[str]:
    return ["".join(page.extract_text().split()) for page in PdfReader(BytesIO(content)).pages]


@pytest.mark.parametrize("regions", range(1, 40))
def test_the_chart_caption_and_the_chart_share_a_page(regions: int) -> None:
    """However long the table above it, the caption never ends a page with the chart on the next."""
    empty = RateRow("region", "440100", "广州市", "440100", Counts())
    figures = _figures(regions, [empty])
    content = monthly_pdf(figures, "月报", summary(figures), lambda code: f"地区{code}")
    pages = _page_texts(content)
    caption = "".join(CHART_CAPTION.split())
    (with_caption,) = [text for text in pages if caption in text]
    assert "新增任务数" in with_caption and "办结任务数" in with_caption  # the chart's legend
    assert any(NO_DATA in text for text in pages) and "".join(NO_DATA_NOTE.split()) in "".join(pages)
