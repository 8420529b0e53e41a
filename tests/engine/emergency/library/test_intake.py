"""Batch intake: the preview names each bad row's fields; the import drafts all rows or none."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.emergency.library import intake
from engine.emergency.library.models import LibraryVersion
from engine.errors import InvalidFile, InvalidInput, NotAllowed
from tests.support.actors import ADMIN, PROVINCE

CSV = ("中文名称,CAS号,UN号,临界量(t),来源\n"
       "氯,7782-50-5,1017,5,GB 18218-2018 表1\n"
       "坏物质,7782-50-4,17,-1,\n"
       ",71-43-2,1114,50,\n").encode()


def test_preview_names_each_bad_row() -> None:
    rows = intake.preview("chemical", CSV, "chem.csv")
    assert [(r.line, sorted(r.errors)) for r in rows] == [
        (2, []), (3, ["cas", "critical_quantity_t", "un_number"]), (4, ["name_zh"])]
    assert rows[0].fields["cas"] == "7782-50-5" and rows[0].source == "GB 18218-2018 表1"


def test_import_refuses_a_file_with_bad_rows(session: Session) -> None:
    before = session.scalar(select(func.count()).select_from(LibraryVersion))
    with pytest.raises(InvalidInput) as caught:
        intake.import_file(session, ADMIN, "chemical", CSV, "chem.csv")
    assert set(caught.value.fields) == {"line 3", "line 4"}
    assert session.scalar(select(func.count()).select_from(LibraryVersion)) == before


def test_xlsx_import_drafts_every_row(session: Session) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["title", "issuer", "document_number", "level", "issued_on"])
    sheet.append(["某省突发环境事件应急预案", "某省人民政府办公厅", "粤府办〔2017〕1号", "provincial", "2017-01-05"])
    buffer = io.BytesIO()
    book.save(buffer)
    drafts = intake.import_file(session, ADMIN, "policy", buffer.getvalue(), "policies.xlsx")
    assert [(d.status, d.fields["document_number"]) for d in drafts] == [("draft", "粤府办〔2017〕1号")]
    with pytest.raises(NotAllowed):
        intake.import_file(session, PROVINCE, "policy", buffer.getvalue(), "policies.xlsx")


def test_unreadable_files() -> None:
    with pytest.raises(InvalidFile):
        intake.preview("chemical", "名称\n氯".encode("gbk"), "x.csv")
    with pytest.raises(InvalidFile):
        intake.preview("chemical", b"not a zip", "x.xlsx")
