"""Batch intake (批量导入): a CSV or xlsx file of one library's records, previewed row by row, then drafted.

The header row names fields by key (``cas``) or by Chinese label (``CAS号``); list fields take
values separated by ``;``. The preview checks every row and names each row's errors; the
import drafts all rows in one go, and refuses the file while any row is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.emergency.library import entries, kinds
from engine.emergency.library.models import LibraryVersion
from engine.errors import InvalidFile, InvalidInput
from engine.db import utcnow

MAX_ROWS = 5000


@dataclass
class RowResult:
    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""


def read_rows(content: bytes, filename: str) -> list[dict[str, str]]:
    """The file's data rows as header → text.

    :raises InvalidFile: for a file that is neither UTF-8 CSV nor xlsx, or too long.
    """
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise InvalidFile(f"无法读取 xlsx 文件 (unreadable xlsx): {exc}") from None
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidFile("CSV 文件须为 UTF-8 编码 (CSV must be UTF-8)") from None
        values = list(csv.reader(io.StringIO(text)))
    if not values:
        return []
    header, body = [h.strip() for h in values[0]], values[1:]
    if len(body) > MAX_ROWS:
        raise InvalidFile(f"一次最多导入 {MAX_ROWS} 行 (at most {MAX_ROWS} rows)")
    return [dict(zip(header, (c.strip() for c in row), strict=False)) for row in body if any(c.strip() for c in row)]


def preview(library: str, content: bytes, filename: str) -> list[RowResult]:
    """Every row checked against the library's fields; line numbers count the header as line 1."""
    lib = kinds.library(library)
    names = {f.name: f.name for f in lib.fields} | {f.zh: f.name for f in lib.fields} | {"source": "source", "来源": "source"}
    results = []
    for line, raw in enumerate(read_rows(content, filename), start=2):
        result = RowResult(line)
        data = {}
        for header, value in raw.items():
            key = names.get(header)
            if key is None:
                result.errors.setdefault("_schema", []).append(f"未知列 {header!r} (unknown column)")
            elif key == "source":
                result.source = value
            elif value:
                data[key] = value
        try:
            result.fields = kinds.clean(lib, data, today=utcnow().date())
        except InvalidInput as exc:
            for name, messages in (exc.fields or {}).items():
                result.errors.setdefault(name, []).extend(messages)
        results.append(result)
    return results


def import_file(session: Session, actor: Actor, library: str, content: bytes, filename: str) -> list[LibraryVersion]:
    """Draft every row of the file (to be submitted for review like any draft).

    :raises NotAllowed: unless the actor is an editor.
    :raises InvalidInput: naming the rows that are wrong (nothing is drafted then).
    """
    entries.require_editor(actor)
    results = preview(library, content, filename)
    bad = {f"line {r.line}": [f"{k}: {'; '.join(v)}" for k, v in r.errors.items()] for r in results if r.errors}
    if bad:
        raise InvalidInput(f"{len(bad)} 行有错误，未导入 (rows with errors; nothing imported)", fields=bad)
    if not results:
        raise InvalidInput("文件中没有数据行 (no data rows)", fields={"file": ["empty"]})
    return [entries.create_draft(session, actor, library, r.fields, source=r.source) for r in results]
