"""Register import: preview a file (rows to add, to change, refused with line and reason), then apply it.

:func:`preview` writes nothing; :func:`apply` writes the preview's valid rows in
the caller's transaction with set-based statements and records the changes
(before/after of every changed column) in the audit trail, a few hundred rows
per event; an enterprise changed to 关闭 has its local accounts disabled and
sessions ended. Re-importing the same file finds every row unchanged. A column the
file does not have keeps the stored value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.monitoring.passwords import VerifiedPasswords, hash_password
from engine.register import accounts, files, rows, store
from engine.register.files import ENTERPRISE, POINT, SourceRow
from engine.register.rows import Record, Refusal
from engine.scoping import require_admin

ADD, CHANGE, SAME, REFUSED = "add", "change", "same", "refused"
AUDIT_CHUNK = 500
AUDIT_ACTIONS = {ENTERPRISE: "register.enterprise_import", POINT: "register.point_import"}
PASSWORD_HEADER = "数采仪密码"


@dataclass
class RowResult:
    """What import does with one row: ``changes`` maps a header to (stored text, file text)."""

    kind: str
    sheet: str
    line: int
    key: str
    action: str
    cells: dict[str, str]
    reason: str = ""
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    record: Record | None = None
    stored: Record | None = None


@dataclass
class Preview:
    rows: list[RowResult]

    def of(self, action: str, kind: str | None = None) -> list[RowResult]:
        return [row for row in self.rows if row.action == action and (kind is None or row.kind == kind)]

    def counts(self) -> dict[str, int]:
        return {action: len(self.of(action)) for action in (ADD, CHANGE, SAME, REFUSED)}


def preview(session: Session, actor: Actor, data: bytes, filename: str) -> Preview:
    """Read and check a file against the stored register. :raises InvalidFile: unreadable file. :raises NotAllowed:"""
    require_admin(actor, "只有管理员可以导入名录 (only administrators import the register)")
    source = files.read(data, filename)
    enterprises = store.stored_enterprises(session)
    results = enterprise_rows(enterprises, [r for r in source if r.kind == ENTERPRISE])
    listed = set(enterprises) | {r.key for r in results if r.action in (ADD, CHANGE)}
    results += point_rows(store.stored_points(session), listed, [r for r in source if r.kind == POINT])
    return Preview(results)


def _refused(row: SourceRow, key: str, reason: str) -> RowResult:
    return RowResult(row.kind, row.sheet, row.line, key, REFUSED, row.cells, reason=reason)


def enterprise_rows(stored: Mapping[str, Record], source: Iterable[SourceRow]) -> list[RowResult]:
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    for row in source:
        key = row.cells.get("统一社会信用代码", "")
        if key in seen:
            results.append(_refused(row, key, f"统一社会信用代码 {key} 重复（与第 {seen[key]} 行）"))
            continue
        old = stored.get(key)
        old_cells = rows.enterprise_cells(old) if old else {}
        try:
            record = rows.parse_enterprise({**old_cells, **row.cells})
        except Refusal as refusal:
            results.append(_refused(row, key, str(refusal)))
            continue
        seen[key] = row.line
        results.append(_compared(row, key, record, old, old_cells, rows.enterprise_cells(record)))
    return results


def _compared(row: SourceRow, key: str, record: Record, old: Record | None, old_cells: Mapping[str, str],
              new_cells: Mapping[str, str]) -> RowResult:
    if old is None:
        return RowResult(row.kind, row.sheet, row.line, key, ADD, row.cells, record=record)
    changes = {h: (old_cells[h], v) for h, v in new_cells.items() if h != PASSWORD_HEADER and old_cells[h] != v}
    return RowResult(row.kind, row.sheet, row.line, key, CHANGE if changes else SAME, row.cells, changes=changes,
                     record=record, stored=old)


def point_rows(stored: Mapping[str, Record], listed: set[str], source: Iterable[SourceRow]) -> list[RowResult]:
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    hashes: dict[str, str] = {}
    verified = VerifiedPasswords()
    for row in source:
        key = row.cells.get("MN", "")
        if key in seen:
            results.append(_refused(row, key, f"MN {key} 重复（与第 {seen[key]} 行）"))
            continue
        old = stored.get(key)
        old_cells = rows.point_cells(old) if old else {}
        try:
            record = rows.parse_point({**old_cells, **row.cells})
            if record["credit_code"] not in listed:
                raise Refusal(f"统一社会信用代码 {record['credit_code']} 的企业不在名录中（请先导入企业）")
            record["password_hash"] = _password_hash(record["password"], old, hashes, verified)
        except Refusal as refusal:
            results.append(_refused(row, key, str(refusal)))
            continue
        seen[key] = row.line
        result = _compared(row, key, record, old, old_cells, rows.point_cells(record))
        if old is not None and record["password_hash"] != old["password_hash"]:
            result.changes[PASSWORD_HEADER] = ("******", "（已更换）")
            result.action = CHANGE
        results.append(result)
    return results


def _password_hash(password: str, old: Record | None, hashes: dict[str, str], verified: VerifiedPasswords) -> str:
    """The stored hash when the password is blank or unchanged; a new one (one derivation per password) otherwise."""
    if old is not None and (not password or verified.check(old["password_hash"], password)):
        return str(old["password_hash"])
    if not password:
        raise Refusal("新点位须填写 数采仪密码")
    if len(password) > 64:
        raise Refusal("数采仪密码 超过 64 位")
    if password not in hashes:
        hashes[password] = hash_password(password)
    return hashes[password]


def apply(session: Session, actor: Actor, result: Preview) -> dict[str, int]:
    """Write the preview's added and changed rows (flush only; the caller commits) and audit them.

    :raises NotAllowed: unless the actor is an administrator.
    """
    require_admin(actor, "只有管理员可以导入名录 (only administrators import the register)")
    for kind, write in ((ENTERPRISE, store.write_enterprises), (POINT, store.write_points)):
        added = [row.record for row in result.of(ADD, kind) if row.record is not None]
        changed = [(row.stored, row.record) for row in result.of(CHANGE, kind)
                   if row.stored is not None and row.record is not None]
        write(session, added, changed)
        _audit(session, actor, kind, result.of(ADD, kind), result.of(CHANGE, kind))
    accounts.close_accounts(session, actor, [
        row.key for row in result.of(CHANGE, ENTERPRISE) if row.record and row.record["status"] == "closed"])
    session.flush()
    return result.counts()


def _audit(session: Session, actor: Actor, kind: str, added: list[RowResult], changed: list[RowResult]) -> None:
    entries: list[dict[str, Any]] = [{"key": row.key, "after": {h: v for h, v in row.cells.items() if v}}
                                     for row in added]
    entries += [{"key": row.key, "before": {h: b for h, (b, _) in row.changes.items()},
                 "after": {h: a for h, (_, a) in row.changes.items()}} for row in changed]
    for start in range(0, len(entries), AUDIT_CHUNK):
        audit.record(session, actor, AUDIT_ACTIONS[kind], payload={"rows": entries[start:start + AUDIT_CHUNK]})


ERROR_HEADERS = ("行号", "拒绝原因")


def error_file(result: Preview) -> bytes:
    """The refused rows as an xlsx, a sheet per kind: line, reason, then the row's own cells to correct."""
    sheets = {files.SHEET_NAMES[kind]: (*ERROR_HEADERS, *files.HEADERS[kind]) for kind in (ENTERPRISE, POINT)}
    refused = {files.SHEET_NAMES[kind]: [{"行号": str(row.line), "拒绝原因": row.reason, **row.cells}
                                         for row in result.of(REFUSED, kind)] for kind in (ENTERPRISE, POINT)}
    return files.write_xlsx(sheets, refused)
