"""Directory imports from xlsx: officers, inspection items, projects, a campaign's target list.

:func:`preview` reads the first sheet (its first row is the header row), checks every row and writes
nothing: each row is to add, to change, or refused with its line and reason. :func:`apply` writes the
valid rows of a fresh preview through the directory services (each write checked and audited), and
:func:`error_file` gives the refused rows back as an xlsx to correct and import again.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.parsers import expat

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import InvalidFile
from engine.inspection import directory, plans
from engine.inspection.access import manages
from engine.inspection.models import InspectionItem, InspectionObject, ObjectKind, Officer, OfficerStatus
from engine.inspection.scope import in_body
from engine.monitoring.models import Enterprise
from engine.register import files, xlsx

ADD, CHANGE, REFUSED = "add", "change", "refused"
STATUS_WORDS = {"": OfficerStatus.ACTIVE, "在岗": OfficerStatus.ACTIVE, "暂停": OfficerStatus.SUSPENDED,
                "调离": OfficerStatus.RETIRED, "退休": OfficerStatus.RETIRED}
KIND_WORDS = {"排污单位": ObjectKind.DISCHARGE_UNIT, "环评批复": ObjectKind.EIA_PROJECT,
              "环评项目": ObjectKind.EIA_PROJECT, "竣工验收": ObjectKind.ACCEPTANCE_PROJECT,
              "验收项目": ObjectKind.ACCEPTANCE_PROJECT}
HEADERS: Mapping[str, tuple[str, ...]] = {
    "officers": ("姓名", "执法证号", "执法机构", "行政区划代码", "状态", "登录账号", "回避企业"),
    "items": ("事项编码", "事项名称", "法律依据", "检查要点", "适用对象"),
    "projects": ("项目类型", "项目名称", "统一社会信用代码", "批复文号", "批复日期", "行政区划代码"),
    "targets": ("统一社会信用代码", "批复文号"),
}
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "officers": ("姓名", "执法证号", "执法机构", "行政区划代码"), "items": ("事项编码", "事项名称", "法律依据", "检查要点"),
    "projects": ("项目类型", "项目名称", "统一社会信用代码", "批复文号", "行政区划代码"), "targets": ("统一社会信用代码",),
}


class Refusal(Exception):
    """A row that cannot be imported; the message names the column."""


@dataclass
class Row:
    line: int
    key: str
    action: str
    cells: dict[str, str]
    reason: str = ""
    record: Any = None


@dataclass
class Preview:
    kind: str
    rows: list[Row] = field(default_factory=list)

    def of(self, action: str) -> list[Row]:
        return [row for row in self.rows if row.action == action]

    def counts(self) -> dict[str, int]:
        return {action: len(self.of(action)) for action in (ADD, CHANGE, REFUSED)}


def _lines(data: bytes, kind: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, cells by header) of the first sheet. :raises InvalidFile: unreadable or wrong headers."""
    try:
        first = next(iter(xlsx.sheets(data)), None)
    except (zipfile.BadZipFile, KeyError, expat.ExpatError):
        raise InvalidFile("文件无法读取，请上传 .xlsx 文件 (not a readable xlsx file)") from None
    if first is None or not first[1]:
        raise InvalidFile("文件中没有数据 (empty workbook)")
    header, *body = first[1]
    names = [cell.strip() for cell in header]
    missing = [h for h in REQUIRED[kind] if h not in names]
    if missing:
        raise InvalidFile(f"缺少列 (missing columns): {'、'.join(missing)}")
    return [(n, {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(names) if h in HEADERS[kind]})
            for n, row in enumerate(body, start=2) if any(cell.strip() for cell in row)]


def preview(session: Session, actor: Actor, kind: str, data: bytes, plan_id: int | None = None) -> Preview:
    """Check every row of an upload against the directory; writes nothing.

    :raises InvalidFile: unreadable file or missing columns.  :raises NotFound: (targets) no such plan.
    """
    parse = _PARSERS[kind]
    context = _context(session, actor, kind, plan_id)
    result, seen = Preview(kind), set()
    for line, cells in _lines(data, kind):
        try:
            key, exists, record = parse(session, actor, cells, context)
            if key in seen:
                raise Refusal("与前面的行重复 (duplicate row)")
            seen.add(key)
            result.rows.append(Row(line, key, CHANGE if exists else ADD, cells, record=record))
        except Refusal as refusal:
            result.rows.append(Row(line, "", REFUSED, cells, str(refusal)))
    return result


def _context(session: Session, actor: Actor, kind: str, plan_id: int | None) -> dict[str, Any]:
    if kind != "targets":
        return {}
    if plan_id is None:
        raise InvalidFile("导入目标名单须指定专项行动计划 (a plan is required)")
    return {"plan": plans.get(session, actor, plan_id)}


def _officer(session: Session, actor: Actor, cells: dict[str, str], _ctx: dict[str, Any]) -> tuple[str, bool, Any]:
    status = STATUS_WORDS.get(cells.get("状态", ""))
    if status is None:
        raise Refusal("状态 须为 在岗、暂停 或 调离")
    data = directory.OfficerInput(cells["姓名"], cells["执法证号"], cells["执法机构"], cells["行政区划代码"], status,
                                  cells.get("登录账号") or None)
    problems = directory.officer_problems(data)
    if problems:
        raise Refusal("；".join(f"{_header('officers', f)}: {'，'.join(m)}" for f, m in problems.items()))
    if not manages(actor, data.region_code):
        raise Refusal("行政区划代码 不在您的管辖范围内")
    links = [c for c in cells.get("回避企业", "").replace(";", "；").split("；") if c.strip()]
    exists = session.scalars(select(Officer.id).where(Officer.certificate_number == data.certificate_number)).first()
    return data.certificate_number, exists is not None, (data, [c.strip() for c in links])


def _item(session: Session, actor: Actor, cells: dict[str, str], _ctx: dict[str, Any]) -> tuple[str, bool, Any]:
    kinds = [KIND_WORDS.get(w.strip(), w.strip()) for w in cells.get("适用对象", "").replace(";", "；").split("；")
             if w.strip()]
    points = [p for p in cells["检查要点"].replace(";", "；").replace("\n", "；").split("；") if p.strip()]
    data = directory.ItemInput(cells["事项编码"], cells["事项名称"], cells["法律依据"], tuple(points), tuple(kinds))
    problems = directory.item_problems(data)
    if problems:
        raise Refusal("；".join(f"{_header('items', f)}: {'，'.join(m)}" for f, m in problems.items()))
    if not manages(actor, "440000"):
        raise Refusal("只有省级审核人员或管理员可以维护抽查事项清单")
    exists = session.scalars(select(InspectionItem.id).where(InspectionItem.code == data.code)).first()
    return data.code, exists is not None, data


def _project(session: Session, actor: Actor, cells: dict[str, str], _ctx: dict[str, Any]) -> tuple[str, bool, Any]:
    kind = KIND_WORDS.get(cells["项目类型"])
    if kind not in (ObjectKind.EIA_PROJECT, ObjectKind.ACCEPTANCE_PROJECT):
        raise Refusal("项目类型 须为 环评批复 或 竣工验收")
    try:
        approved = date.fromisoformat(cells["批复日期"][:10]) if cells.get("批复日期") else None
    except ValueError:
        raise Refusal("批复日期 须为 YYYY-MM-DD") from None
    if not manages(actor, cells["行政区划代码"]):
        raise Refusal("行政区划代码 不在您的管辖范围内")
    if session.scalars(select(Enterprise.id).where(Enterprise.credit_code == cells["统一社会信用代码"])).first() is None:
        raise Refusal("统一社会信用代码 不在企业名录中")
    exists = session.scalars(select(InspectionObject.id).where(
        InspectionObject.kind == kind, InspectionObject.enterprise_code == cells["统一社会信用代码"],
        InspectionObject.approval_number == cells["批复文号"])).first()
    if exists is not None:
        raise Refusal("该项目已在名录中 (already in the directory)")
    data = directory.ProjectInput(kind, cells["项目名称"], cells["统一社会信用代码"], cells["批复文号"], approved,
                                  cells["行政区划代码"])
    return f"{data.enterprise_code}/{data.approval_number}", False, data


def _target(session: Session, _actor: Actor, cells: dict[str, str], ctx: dict[str, Any]) -> tuple[str, bool, Any]:
    statement = select(InspectionObject).where(InspectionObject.enterprise_code == cells["统一社会信用代码"],
                                               InspectionObject.approval_number == cells.get("批复文号", ""),
                                               InspectionObject.active.is_(True))
    obj = session.scalars(statement).first()
    if obj is None:
        raise Refusal("检查对象名录中没有该单位或项目")
    plan = ctx["plan"]
    if not in_body(plan.body_level, plan.body_region_code, obj.region_code):
        raise Refusal("该对象不在实施主体辖区内")
    return str(obj.id), False, obj.id


def _header(kind: str, field_name: str) -> str:
    names = {"name": "姓名", "certificate_number": "执法证号", "unit": "执法机构", "region_code": "行政区划代码",
             "status": "状态", "code": "事项编码", "legal_basis": "法律依据", "checklist": "检查要点",
             "object_kinds": "适用对象"}
    return "事项名称" if (kind, field_name) == ("items", "name") else names.get(field_name, field_name)


_PARSERS: dict[str, Callable[[Session, Actor, dict[str, str], dict[str, Any]], tuple[str, bool, Any]]] = {
    "officers": _officer, "items": _item, "projects": _project, "targets": _target}


def apply(session: Session, actor: Actor, result: Preview, plan_id: int | None = None) -> dict[str, int]:
    """Write the preview's valid rows (flush only; the caller commits).

    :raises EcoLoopError: as the directory services raise (the caller rolls the whole import back).
    """
    valid = [row for row in result.rows if row.action in (ADD, CHANGE)]
    if result.kind == "targets" and valid:
        assert plan_id is not None
        plans.add_targets(session, actor, plan_id, [row.record for row in valid])
    for row in valid if result.kind != "targets" else ():
        _WRITERS[result.kind](session, actor, row.record)
    return result.counts()


def _write_officer(session: Session, actor: Actor, record: Any) -> None:
    data, links = record
    officer = directory.save_officer(session, actor, data)
    for code in links:
        directory.link_officer(session, actor, officer.id, code, "导入时登记的回避企业")


_WRITERS: dict[str, Callable[[Session, Actor, Any], Any]] = {
    "officers": _write_officer, "items": directory.save_item, "projects": directory.add_project}


def template(kind: str) -> bytes:
    """An empty workbook with the kind's headers."""
    return files.write_xlsx({"导入": HEADERS[kind]}, {})


def error_file(result: Preview) -> bytes:
    """The refused rows: line, reason, then the row's cells — corrected, the file imports as it is."""
    headers = ("行号", "拒绝原因", *HEADERS[result.kind])
    rows = [{"行号": str(row.line), "拒绝原因": row.reason, **row.cells} for row in result.of(REFUSED)]
    return files.write_xlsx({"拒绝的行": headers}, {"拒绝的行": rows})

