"""Reading cells: the credit-code check agrees with python-stdnum, and xlsx cells typed as dates or numbers read as text."""

from __future__ import annotations

import io
import random
from datetime import date, datetime

from openpyxl import Workbook
from stdnum.cn import uscc

from engine.register import files, xlsx
from engine.register.rows import credit_code_problem


def test_credit_code_check_agrees_with_stdnum() -> None:
    chance = random.Random(15)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ"
    for _ in range(3000):
        body = "".join(chance.choice("0123456789") for _ in range(8)) + "".join(
            chance.choice(alphabet[:31]) for _ in range(9))
        code = body + (uscc.calc_check_digit(body) if chance.random() < 0.5 else chance.choice(alphabet))
        assert (credit_code_problem(code) is None) == uscc.is_valid(code), code
    assert "校验位错误" in str(credit_code_problem("91440300568520498B"))
    assert "格式错误" in str(credit_code_problem("9144030056852049"))


def test_xlsx_cells_typed_by_excel_read_as_the_text_export_writes() -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "企业名录"
    sheet.append(["统一社会信用代码", "单位名称", "行政区划代码", "许可证有效期起", "经度", "联系电话"])
    sheet.append(["91440300568520498A", "深圳某公司", 440304, date(2024, 1, 2), 113.25, "020-1"])
    sheet.append(["x", None, None, datetime(2026, 12, 1, 8, 30), 113.0, True])
    out = io.BytesIO()
    book.save(out)

    [(name, rows)] = list(xlsx.sheets(out.getvalue()))
    assert name == "企业名录"
    assert rows[1] == ["91440300568520498A", "深圳某公司", "440304", "2024-01-02", "113.25", "020-1"]
    assert rows[2] == ["x", "", "", "2026-12-01 08:30", "113", "TRUE"]
    read = files.read(out.getvalue(), "a.xlsx")
    assert read[0].cells["许可证有效期起"] == "2024-01-02" and read[0].line == 2
