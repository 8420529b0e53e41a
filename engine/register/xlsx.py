"""A streaming xlsx reader for register files: every sheet's rows as text cells, straight from the XML with expat.

openpyxl builds an object per cell and reads about 7,000 cells a second on this
machine; a 40,000-row register is a million cells. This reader keeps only the
values: shared strings, inline strings, numbers, booleans, and numbers in a
date format (built-in formats 14–22 and 45–47, or a custom format with y/d/h)
turned into ``YYYY-MM-DD[ HH:MM]`` text in the same way openpyxl's values are.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from xml.parsers import expat

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DATE_FORMATS = frozenset({*range(14, 23), 45, 46, 47})
_DATE_TOKENS = re.compile(r"[ydhs]|m(?!icro)", re.IGNORECASE)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_COLUMN = re.compile(r"[A-Z]+")


def _parse(data: bytes, start: Any = None, end: Any = None, text: Any = None) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    parser.Parse(data, True)


def _shared_strings(book: zipfile.ZipFile, path: str | None) -> list[str]:
    if path is None or path not in book.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_t": False, "in_rph": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        if name == f"{MAIN} si":
            parts.clear()
        elif name == f"{MAIN} t" and not state["in_rph"]:
            state["in_t"] = True
        elif name == f"{MAIN} rPh":
            state["in_rph"] += 1

    def end(name: str) -> None:
        if name == f"{MAIN} si":
            strings.append("".join(parts))
        elif name == f"{MAIN} t":
            state["in_t"] = False
        elif name == f"{MAIN} rPh":
            state["in_rph"] -= 1

    def text(data: str) -> None:
        if state["in_t"]:
            parts.append(data)

    _parse(book.read(path), start, end, text)
    return strings


def _date_styles(book: zipfile.ZipFile, path: str | None) -> set[int]:
    """Indexes of the cell styles (``s`` attribute) whose number format shows a date or time."""
    if path is None or path not in book.namelist():
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    state = {"in_xfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{MAIN} numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif name == f"{MAIN} cellXfs":
            state["in_xfs"] = True
        elif name == f"{MAIN} xf" and state["in_xfs"]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(name: str) -> None:
        if name == f"{MAIN} cellXfs":
            state["in_xfs"] = False

    _parse(book.read(path), start, end)
    dated = {fmt for fmt, code in custom.items() if _DATE_TOKENS.search(re.sub(r'"[^"]*"|\[[^]]*]', "", code))}
    return {index for index, fmt in enumerate(formats) if fmt in _DATE_FORMATS or fmt in dated}


def _relations(book: zipfile.ZipFile, path: str) -> dict[str, str]:
    base = posixpath.dirname(path)
    rels_path = posixpath.join(posixpath.dirname(path), "_rels", posixpath.basename(path) + ".rels")
    found: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{PACKAGE_REL} Relationship":
            target = attrs["Target"]
            found[attrs["Id"]] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(base, target))

    if rels_path in book.namelist():
        _parse(book.read(rels_path), start)
    return found


def _excel_date(serial: str) -> str:
    moment = _EXCEL_EPOCH + timedelta(days=float(serial))
    moment = moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
    return moment.strftime("%Y-%m-%d" if moment.hour == moment.minute == moment.second == 0 else "%Y-%m-%d %H:%M")


def _number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else text


_COLUMNS: dict[str, int] = {}


def _column_index(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is None:
        index = 0
        for letter in letters:
            index = index * 26 + ord(letter) - 64
        index = _COLUMNS[letters] = index - 1
    return index


_C, _V, _T, _ROW = f"{MAIN} c", f"{MAIN} v", f"{MAIN} t", f"{MAIN} row"


def _sheet_rows(data: bytes, strings: list[str], dated: set[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    cell: dict[str, object] = {}
    parts: list[str] = []
    row: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == _C:
            cell.update(type=attrs.get("t", "n"), style=attrs.get("s", "0"), ref=attrs.get("r", ""), on=False)
            parts.clear()
        elif name == _V or name == _T:
            cell["on"] = True
        elif name == _ROW:
            row.clear()

    def end(name: str) -> None:
        if name == _V or name == _T:
            cell["on"] = False
        elif name == _C:
            reference = str(cell["ref"])
            index = _column_index(reference) if reference else len(row)
            if index >= len(row):
                row.extend([""] * (index - len(row) + 1))
            row[index] = _value(str(cell["type"]), "".join(parts), cell["style"] in dated, strings)
        elif name == _ROW:
            rows.append(list(row))

    def text(data: str) -> None:
        if cell.get("on"):
            parts.append(data)

    _parse(data, start, end, text)
    return rows


def _value(kind: str, text: str, is_date: bool, strings: list[str]) -> str:
    if not text:
        return ""
    if kind == "s":
        return strings[int(text)].strip()
    if kind in ("inlineStr", "str", "e"):
        return text.strip()
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    if kind == "d":
        return text[:16].replace("T", " ").removesuffix(" 00:00")
    return _excel_date(text) if is_date else _number(text)


def sheets(data: bytes) -> Iterator[tuple[str, list[list[str]]]]:
    """(sheet name, rows of text cells) for every worksheet of the workbook, in order.

    :raises zipfile.BadZipFile, KeyError, expat.ExpatError: a damaged file.
    """
    book = zipfile.ZipFile(io.BytesIO(data))
    workbook = "xl/workbook.xml"
    relations = _relations(book, workbook)
    by_type: dict[str, str] = {}
    listed: list[tuple[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{MAIN} sheet":
            listed.append((attrs.get("name", ""), attrs.get(f"{REL} id", "")))

    _parse(book.read(workbook), start)
    for target in relations.values():
        for kind in ("sharedStrings", "styles"):
            if target.endswith(f"{kind}.xml"):
                by_type[kind] = target
    strings = _shared_strings(book, by_type.get("sharedStrings"))
    dated = {str(index) for index in _date_styles(book, by_type.get("styles"))}
    for name, rel_id in listed:
        path = relations.get(rel_id)
        if path and path in book.namelist():
            yield name, _sheet_rows(book.read(path), strings, dated)
