"""Facts the department enters or imports (penalties with decision number, incidents, verified complaints).

An import (CSV or xlsx, header row required) is read in two steps: :func:`read_rows` gives the preview —
each row parsed or refused with its line number and reason — and :func:`import_rows` stores the good
rows of the same file with the file name as their source. Columns (Chinese or English headers):
统一社会信用代码/enterprise_code, 类型/kind, 日期/occurred_on (YYYY-MM-DD), 文号/reference,
指标/indicator (optional), 说明/description (optional).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.credit.models import CreditFact
from engine.credit.rule_defaults import DEPARTMENT_KINDS
from engine.errors import InvalidFile, InvalidInput, NotAllowed
from engine.identifiers import valid_credit_code
from engine.monitoring.models import Enterprise
from engine.scoping import covers_region

MAX_ROWS = 5000
COLUMNS = {
    "enterprise_code": ("enterprise_code", "统一社会信用代码"),
    "kind": ("kind", "类型"),
    "occurred_on": ("occurred_on", "日期"),
    "reference": ("reference", "文号"),
    "indicator": ("indicator", "指标"),
    "description": ("description", "说明"),
}
REQUIRED = ("enterprise_code", "kind", "occurred_on")


@dataclass(frozen=True)
class FactInput:
    enterprise_code: str
    kind: str
    occurred_on: date
    reference: str = ""
    indicator: str | None = None
    description: str = ""


@dataclass
class ImportPreview:
    rows: list[tuple[int, FactInput]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def require_fact_keeper(actor: Actor) -> None:
    """:raises NotAllowed: unless an administrator or a province or city reviewer."""
    if not (actor.is_admin or actor.roles & {Role.PROVINCE_REVIEWER, Role.CITY_REVIEWER}):
        raise NotAllowed(f"{actor.username} may not enter credit facts")


def add(session: Session, actor: Actor, fact: FactInput, source: str) -> CreditFact:
    """Store one fact with its source.

    :raises NotAllowed: see :func:`require_fact_keeper`.
    :raises InvalidInput: naming the wrong field.
    """
    require_fact_keeper(actor)
    problems = _problems(fact)
    if problems:
        raise InvalidInput("事实有误 (invalid fact)", fields=problems)
    region = _known_codes(session, [fact.enterprise_code]).get(fact.enterprise_code)
    if region is None:
        raise InvalidInput("企业未登记 (enterprise not registered)", fields={"enterprise_code": ["企业未登记"]})
    if not _covers(actor, region):
        raise NotAllowed(f"{actor.username} may not enter facts for enterprises of {region}")
    return _store(session, actor, [fact], source)[0]


def _covers(actor: Actor, region: str) -> bool:
    """Administrators and the province everywhere; a city for its own enterprises."""
    return actor.is_admin or Role.PROVINCE_REVIEWER in actor.roles or covers_region(
        Role.CITY_REVIEWER, actor.region_code, region)


def _problems(fact: FactInput) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not valid_credit_code(fact.enterprise_code):
        problems["enterprise_code"] = ["统一社会信用代码无效 (invalid credit code)"]
    if fact.kind not in DEPARTMENT_KINDS:
        problems["kind"] = [f"类型须为 {', '.join(DEPARTMENT_KINDS)} (unknown kind)"]
    if fact.kind == "penalty" and not fact.reference.strip():
        problems["reference"] = ["行政处罚须填写决定书文号 (a penalty needs its decision number)"]
    return problems


def _store(session: Session, actor: Actor, facts: Sequence[FactInput], source: str) -> list[CreditFact]:
    rows = [CreditFact(enterprise_code=f.enterprise_code, kind=f.kind, occurred_on=f.occurred_on,
                       reference=f.reference[:100], indicator=f.indicator or None, description=f.description[:2000],
                       source=source[:200], entered_by=actor.username) for f in facts]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, "credit.facts", payload={"source": source, "facts": [r.id for r in rows]})
    return rows


def read_rows(session: Session, actor: Actor, filename: str, content: bytes) -> ImportPreview:
    """The preview of an import: good rows and per-row errors (line numbers as in the file).

    :raises InvalidFile: neither CSV nor xlsx, or no usable header.
    """
    table = _table(filename, content)
    header = [str(c or "").strip().lower() for c in (table[0] if table else [])]
    index = {name: next((header.index(a.lower()) for a in aliases if a.lower() in header), None)
             for name, aliases in COLUMNS.items()}
    missing = [name for name in REQUIRED if index[name] is None]
    if missing:
        raise InvalidFile(f"表头缺少列 (header lacks): {', '.join(missing)}")
    preview = ImportPreview()
    known = _known_codes(session, [_cell(r, index["enterprise_code"]) for r in table[1:MAX_ROWS + 1]])
    for line, raw in enumerate(table[1:MAX_ROWS + 1], start=2):
        if not any(str(c or "").strip() for c in raw):
            continue
        try:
            fact = _parse(raw, index)
        except ValueError as exc:
            preview.errors.append((line, str(exc)))
            continue
        problems = _problems(fact)
        if not problems and fact.enterprise_code not in known:
            problems = {"enterprise_code": ["企业未登记 (enterprise not registered)"]}
        elif not problems and not _covers(actor, known[fact.enterprise_code]):
            problems = {"enterprise_code": ["企业不在本辖区 (enterprise outside your area)"]}
        if problems:
            preview.errors.append((line, "；".join(f"{k}: {' '.join(v)}" for k, v in problems.items())))
        else:
            preview.rows.append((line, fact))
    if len(table) > MAX_ROWS + 1:
        preview.errors.append((MAX_ROWS + 2, f"超过 {MAX_ROWS} 行的部分未读取 (rows beyond {MAX_ROWS} ignored)"))
    return preview


def import_rows(session: Session, actor: Actor, filename: str, content: bytes) -> tuple[list[CreditFact],
                                                                                         ImportPreview]:
    """Store the good rows of a file (the ones its preview shows), with ``导入:<file name>`` as their source."""
    require_fact_keeper(actor)
    preview = read_rows(session, actor, filename, content)
    stored = _store(session, actor, [f for _, f in preview.rows], f"导入:{filename}") if preview.rows else []
    return stored, preview


def _known_codes(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Registered enterprises among ``codes``, with their regions."""
    wanted = sorted({c for c in codes if c})
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        found.update({code: region for code, region in session.execute(
            select(Enterprise.credit_code, Enterprise.region_code).where(
                Enterprise.credit_code.in_(wanted[start:start + 500])))})
    return found


def _cell(row: Sequence[Any], position: int | None) -> str:
    if position is None or position >= len(row) or row[position] is None:
        return ""
    value = row[position]
    return value.isoformat()[:10] if isinstance(value, date) else str(value).strip()


def _parse(row: Sequence[Any], index: dict[str, int | None]) -> FactInput:
    text = _cell(row, index["occurred_on"])
    try:
        occurred = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"日期 {text!r} 须为 YYYY-MM-DD (date must be YYYY-MM-DD)") from None
    return FactInput(enterprise_code=_cell(row, index["enterprise_code"]).upper(), kind=_cell(row, index["kind"]),
                     occurred_on=occurred, reference=_cell(row, index["reference"]),
                     indicator=_cell(row, index["indicator"]) or None, description=_cell(row, index["description"]))


def _table(filename: str, content: bytes) -> list[list[Any]]:
    name = filename.lower()
    if name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030", errors="replace")
        return [list(r) for r in csv.reader(io.StringIO(text))]
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise InvalidFile(f"无法读取 xlsx 文件 (unreadable xlsx): {exc.__class__.__name__}") from None
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    raise InvalidFile("仅支持 CSV 或 xlsx 文件 (CSV or xlsx only)")


def listing(session: Session, enterprise_code: str | None = None, limit: int = 200) -> list[CreditFact]:
    query = select(CreditFact).order_by(CreditFact.occurred_on.desc(), CreditFact.id.desc()).limit(limit)
    if enterprise_code:
        query = query.where(CreditFact.enterprise_code == enterprise_code)
    return list(session.scalars(query))
