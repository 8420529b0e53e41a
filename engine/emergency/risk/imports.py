"""Importing stored risk substances (CSV or xlsx): a preview with each row's errors, then the write.

Columns (Chinese header or field key): 统一社会信用代码 (credit_code; may be left out when the
import is made from one enterprise's page), 物质名称 (name), CAS号 (cas), 最大存在量(t)
(max_quantity_t), 临界量(t) (critical_quantity_t, defaults to the library's), 临界量依据
(critical_basis). Each enterprise named in the file gets exactly the file's rows as its list.
Nothing is written while any row is wrong.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.emergency.library.intake import read_rows
from engine.emergency.risk import access, substances
from engine.emergency.risk.models import RiskSubstance
from engine.errors import EcoLoopError, InvalidInput

HEADERS = {"统一社会信用代码": "credit_code", "物质名称": "name", "CAS号": "cas", "最大存在量(t)": "max_quantity_t",
           "临界量(t)": "critical_quantity_t", "临界量依据": "critical_basis"}
KEYS = {**HEADERS, **{key: key for key in HEADERS.values()}}


@dataclass
class RowResult:
    line: int
    credit_code: str
    fields: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def preview(session: Session, actor: Actor, content: bytes, filename: str, *,
            enterprise_code: str | None = None) -> list[RowResult]:
    """Every row checked; line numbers count the header as line 1.

    :raises InvalidFile: for a file that cannot be read.
    """
    catalogue = substances.Catalogue(session)
    writable: dict[str, str | None] = {}
    results, seen = [], set()
    for line, raw in enumerate(read_rows(content, filename), start=2):
        data: dict[str, Any] = {}
        result = RowResult(line, "")
        for header, value in raw.items():
            key = KEYS.get(header)
            if key is None:
                result.errors.setdefault("_schema", []).append(f"未知列 {header!r} (unknown column)")
            else:
                data[key] = value
        result.credit_code = enterprise_code or str(data.pop("credit_code", "") or "").strip()
        data.pop("credit_code", None)
        if result.credit_code not in writable:
            writable[result.credit_code] = _refusal(session, actor, result.credit_code)
        if writable[result.credit_code]:
            result.errors["credit_code"] = [str(writable[result.credit_code])]
        try:
            result.fields = substances.clean(data, catalogue)
        except InvalidInput as exc:
            result.errors.update(exc.fields)
        pair = (result.credit_code, result.fields.get("name"))
        if result.fields and pair in seen:
            result.errors["name"] = ["同一企业的同一物质重复 (the same substance twice for one enterprise)"]
        seen.add(pair)
        results.append(result)
    return results


def _refusal(session: Session, actor: Actor, credit_code: str) -> str | None:
    if not credit_code:
        return "统一社会信用代码必填 (credit_code is required)"
    try:
        access.writable_enterprise(session, actor, credit_code)
    except EcoLoopError as exc:
        return f"{credit_code}: {exc.message}"
    return None


def apply(session: Session, actor: Actor, content: bytes, filename: str, *,
          enterprise_code: str | None = None) -> dict[str, list[RiskSubstance]]:
    """Write the file: each enterprise it names gets the file's rows as its stored substances.

    :raises InvalidInput: naming the rows that are wrong (nothing is written then), or for a file without rows.
    """
    results = preview(session, actor, content, filename, enterprise_code=enterprise_code)
    bad = {f"line {r.line}": [f"{k}: {'; '.join(v)}" for k, v in r.errors.items()] for r in results if r.errors}
    if bad:
        raise InvalidInput(f"{len(bad)} 行有错误，未导入 (rows with errors; nothing imported)", fields=bad)
    if not results:
        raise InvalidInput("文件中没有数据行 (no data rows)", fields={"file": ["empty"]})
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        grouped[result.credit_code].append(result.fields)
    return {code: substances.replace(session, actor, code, rows) for code, rows in grouped.items()}
