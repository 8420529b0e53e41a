"""Importing stored substances: a preview naming each bad row, nothing written while any row is wrong."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine.emergency.risk import imports, substances
from engine.errors import InvalidFile, InvalidInput
from engine.monitoring.models import Enterprise
from tests.support.actors import ADMIN, COUNTY_TIANHE, ENTERPRISE_BAIYUN, ENTERPRISE_TIANHE

HEADER = "统一社会信用代码,物质名称,CAS号,最大存在量(t),临界量(t),临界量依据\n"


def csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def test_preview_names_each_bad_row(session: Session, register: dict[str, Enterprise]) -> None:
    content = csv(f"{ENTERPRISE_TIANHE},氯,,20,,", f"{ENTERPRISE_TIANHE},氯,,1,,",
                  f"{ENTERPRISE_BAIYUN},苯,71-43-3,abc,,", "91440000000000000X,氨,,1,,",
                  f"{ENTERPRISE_TIANHE},新物质,,2,,")
    rows = imports.preview(session, COUNTY_TIANHE, content, "s.csv")
    assert [(r.line, sorted(r.errors)) for r in rows] == [
        (2, []), (3, ["name"]), (4, ["cas", "credit_code", "max_quantity_t"]), (5, ["credit_code"]),
        (6, ["critical_quantity_t"])]
    with pytest.raises(InvalidInput) as caught:
        imports.apply(session, COUNTY_TIANHE, content, "s.csv")
    assert set(caught.value.fields) == {"line 3", "line 4", "line 5", "line 6"}
    assert substances.stored(session, ENTERPRISE_TIANHE) == []


def test_import_replaces_each_named_enterprises_list(session: Session, register: dict[str, Enterprise]) -> None:
    substances.replace(session, ADMIN, ENTERPRISE_TIANHE, [{"name": "苯", "max_quantity_t": 1}])
    saved = imports.apply(session, ADMIN, csv(f"{ENTERPRISE_TIANHE},氯,,20,,", f"{ENTERPRISE_TIANHE},氨,,5,,",
                                              f"{ENTERPRISE_BAIYUN},某溶剂,,3,10,HJ 941-2018 附录A"), "s.csv")
    assert sorted(saved) == sorted([ENTERPRISE_TIANHE, ENTERPRISE_BAIYUN])
    assert [s.name for s in substances.stored(session, ENTERPRISE_TIANHE)] == ["氨", "氯"]
    assert substances.stored(session, ENTERPRISE_BAIYUN)[0].critical_basis == "HJ 941-2018 附录A"


def test_one_enterprise_page_import_needs_no_code_column(session: Session, register: dict[str, Enterprise]) -> None:
    content = "物质名称,最大存在量(t)\n氯,2.5\n".encode()
    imports.apply(session, ADMIN, content, "s.csv", enterprise_code=ENTERPRISE_BAIYUN)
    assert [s.max_quantity_t for s in substances.stored(session, ENTERPRISE_BAIYUN)] == [2.5]
    with pytest.raises(InvalidFile):
        imports.preview(session, ADMIN, b"\xff\xfe bad", "s.csv")
    with pytest.raises(InvalidInput):
        imports.apply(session, ADMIN, HEADER.encode(), "s.csv")
