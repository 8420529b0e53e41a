"""Styled ``.xlsx`` sheets: a title row, Chinese headers frozen under it, column widths, number formats, totals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.reports.period import CHINA

PERCENT = "0.00%"
INTEGER = "#,##0"
DECIMAL = "#,##0.0"
DATETIME = "yyyy-mm-dd hh:mm"
TEXT = "@"

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_ROW = 2  # row 1 is the title
NO_DATA = "无数据"
NO_DATA_NOTE = "注：“无数据”表示本期没有可计算该比率的数据（例如没有应传输的监测数据或没有超标案件），不是 0%。"


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    number_format: str | None = None
    total: bool = False  # sum this column in the totals row


def new_workbook() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def add_table(book: Workbook, name: str, title: str, columns: Sequence[Column],
              rows: Iterable[Sequence[Any]], *, totals_label: str | None = "合计") -> Worksheet:
    """A sheet with a merged title, a frozen header row and, when a column asks for it, a totals row."""
    sheet = book.create_sheet(name)
    sheet.cell(1, 1, title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(columns)))
    sheet.row_dimensions[1].height = 24
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, index, column.header)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    count, missing = 0, False
    for count, row in enumerate(rows, start=1):
        for index, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            shown = shown_value(value, column.number_format)
            missing = missing or shown == NO_DATA
            _write(sheet.cell(HEADER_ROW + count, index), _cell_value(shown), column.number_format)
    totals = bool(totals_label and any(c.total for c in columns))
    if totals:
        _totals(sheet, columns, count, totals_label or "")
    if missing:
        _note(sheet, HEADER_ROW + count + (3 if totals else 2), len(columns), NO_DATA_NOTE)
    return sheet


def shown_value(value: Any, number_format: str | None) -> Any:
    """A rate that could not be computed (None) reads 无数据, which the sheet's note explains; others as they are."""
    return NO_DATA if value is None and number_format == PERCENT else value


def _note(sheet: Worksheet, row: int, width: int, text: str) -> None:
    cell = sheet.cell(row, 1, text)
    cell.font, cell.alignment = Font(italic=True, color="595959"), Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(1, width))
    sheet.row_dimensions[row].height = 30


def _write(cell: Any, value: Any, number_format: str | None) -> None:
    cell.value = value
    cell.border = _BORDER
    cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str) and len(value) > 20,
                               horizontal="right" if value == NO_DATA else None)
    if number_format:
        cell.number_format = number_format


def _cell_value(value: Any) -> Any:
    """Timestamps in Shanghai time without a zone (Excel has none); everything else as is."""
    if isinstance(value, datetime):
        return value.astimezone(CHINA).replace(tzinfo=None)
    return value


def _totals(sheet: Worksheet, columns: Sequence[Column], count: int, label: str) -> None:
    row = HEADER_ROW + count + 1
    first, last = HEADER_ROW + 1, HEADER_ROW + count
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row, index)
        if index == 1:
            cell.value = label
        elif column.total:
            letter = get_column_letter(index)
            cell.value = f"=SUM({letter}{first}:{letter}{last})" if count else 0
            cell.number_format = column.number_format or INTEGER
        cell.font, cell.fill, cell.border = Font(bold=True), _TOTAL_FILL, _BORDER


def add_pairs(book: Workbook, name: str, title: str, pairs: Sequence[tuple[str, Any, str | None]]) -> Worksheet:
    """A two-column sheet of labelled figures (指标, 数值), each value with its own number format."""
    sheet = add_table(book, name, title, [Column("指标", 36), Column("数值", 18)],
                      ([label, shown_value(value, fmt)] for label, value, fmt in pairs), totals_label=None)
    for offset, (_, _, fmt) in enumerate(pairs, start=1):
        if fmt:
            sheet.cell(HEADER_ROW + offset, 2).number_format = fmt
    return sheet


def to_bytes(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
