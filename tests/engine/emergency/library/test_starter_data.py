"""The starter libraries carry their citations and the public facts they cite (GB 18218-2018, national documents)."""

from __future__ import annotations

import datetime

import pytest

from engine.emergency.library import kinds
from engine.emergency.library.identifiers import valid_cas
from engine.emergency.library.seed import FILES, starter_rows

# GB 18218-2018 表1: name, CAS number, critical quantity (t)
TABLE_1 = [("氯", "7782-50-5", 5), ("氨", "7664-41-7", 10), ("碳酰氯", "75-44-5", 0.3), ("甲醇", "67-56-1", 500),
           ("异氰酸甲酯", "624-83-9", 0.75), ("硝酸铵(含可燃物>0.2%)", "6484-52-2", 5), ("氧(压缩的或液化的)", "7782-44-7", 200),
           ("三氧化硫", "7446-11-9", 75), ("汽油(乙醇汽油、甲醇汽油)", "86290-81-5", 200), ("苯", "71-43-2", 50)]
# document number → (title, issued on, effective on) as published
DOCUMENTS = {"环境保护部令第34号": ("突发环境事件应急管理办法", "2015-04-16", "2015-06-05"),
             "环发〔2015〕4号": ("企业事业单位突发环境事件应急预案备案管理办法（试行）", "2015-01-08", None),
             "HJ 941-2018": ("企业突发环境事件风险分级方法", None, "2018-03-01"),
             "HJ 355-2019": ("水污染源在线监测系统（CODCr、NH3-N 等）运行技术规范", "2019-12-24", "2020-03-24")}


@pytest.mark.parametrize("library", sorted(FILES))
def test_every_starter_entry_carries_its_citation_and_passes_the_checks(library: str) -> None:
    rows = starter_rows(library)
    assert rows and all(str(row["source"]).strip() for row in rows)
    lib = kinds.library(library)
    for row in rows:
        kinds.clean(lib, {k: v for k, v in row.items() if k != "source"}, today=datetime.date(2026, 12, 7))


def test_table_1_substances_have_their_critical_quantities() -> None:
    chemicals = {row["name_zh"]: row for row in starter_rows("chemical")}
    for name, cas, quantity in TABLE_1:
        row = chemicals[name]
        assert (row["cas"], float(row["critical_quantity_t"])) == (cas, quantity), name
        assert valid_cas(row["cas"]) and row["source"].startswith("GB 18218-2018 表1")
    assert all(valid_cas(row["cas"]) for row in chemicals.values() if row["cas"])


def test_national_documents_have_their_real_numbers_and_dates() -> None:
    policies = {row["document_number"]: row for row in starter_rows("policy")}
    for number, (title, issued, effective) in DOCUMENTS.items():
        row = policies[number]
        assert (row["title"], row.get("issued_on"), row.get("effective_on")) == (title, issued, effective)
