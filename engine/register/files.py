"""Register files: xlsx (a sheet per kind) and CSV (UTF-8 or GBK/GB18030) read into rows of text cells, and written.

A sheet or CSV file is an enterprise list when its headers include 单位名称 and
no MN, a point list when they include MN. Columns the register does not know
(such as the 行号 and 拒绝原因 of an error file) are ignored, so a corrected error
file imports as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
import zipfile
from xml.parsers import expat

from openpyxl import Workbook

from engine.errors import InvalidFile
from engine.register import xlsx
from engine.register.rows import ENTERPRISE_HEADERS, POINT_HEADERS

ENTERPRISE, POINT = "enterprise", "point"
SHEET_NAMES = {ENTERPRISE: "企业名录", POINT: "监测点位"}
HEADERS: Mapping[str, Sequence[str]] = {ENTERPRISE: tuple(ENTERPRISE_HEADERS), POINT: tuple(POINT_HEADERS)}


@dataclass(frozen=True, slots=True)
class SourceRow:
    kind: str
    sheet: str
    line: int
    cells: dict[str, str]


def read(data: bytes, filename: str) -> list[SourceRow]:
    """Every data row of an xlsx or CSV file, enterprises first. :raises InvalidFile: unreadable or unknown layout."""
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        rows = list(_read_xlsx(data))
    else:
        rows = list(_rows_of("CSV", _csv_lines(data)))
    if not rows:
        raise InvalidFile("文件中没有企业或点位数据行 (no register rows found)")
    return sorted(rows, key=lambda row: row.kind != ENTERPRISE)


def _csv_lines(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text, newline="")))
    raise InvalidFile("CSV 文件编码须为 UTF-8 或 GBK/GB18030")


def _read_xlsx(data: bytes) -> Iterator[SourceRow]:
    try:
        found = list(xlsx.sheets(data))
    except (zipfile.BadZipFile, KeyError, ValueError, expat.ExpatError) as error:
        raise InvalidFile(f"无法读取 xlsx 文件 (unreadable xlsx): {error}") from None
    for title, lines in found:
        yield from _rows_of(title, lines)


def _rows_of(sheet: str, lines: Iterable[list[str]]) -> Iterator[SourceRow]:
    iterator = iter(lines)
    headers = [h.strip() for h in next(iterator, [])]
    kind = POINT if "MN" in headers else ENTERPRISE if "单位名称" in headers else None
    if kind is None:
        return
    known = [(index, header) for index, header in enumerate(headers) if header in HEADERS[kind]]
    for line, values in enumerate(iterator, start=2):
        cells = {header: (values[index].strip() if index < len(values) else "") for index, header in known}
        if any(cells.values()):
            yield SourceRow(kind, sheet, line, cells)


def write_xlsx(sheets: Mapping[str, Sequence[str]], rows: Mapping[str, Iterable[Mapping[str, str]]]) -> bytes:
    """A workbook with one sheet per entry of ``sheets`` (name → headers); every cell written as text."""
    book = Workbook(write_only=True)
    for name, headers in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(list(headers))
        for row in rows.get(name, ()):
            sheet.append([row.get(header, "") for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(headers: Sequence[str], rows: Iterable[Mapping[str, str]], *, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return out.getvalue().encode(encoding)
