"""One enterprise or point created or changed by an administrator (form or API), through the import's own checks.

A change is a one-row import: the values become cells, the cells are checked
exactly as a file's row would be, and the write and its before/after audit
event are those of :mod:`engine.register.imports`. ``expected_version`` is the
API's ``If-Match``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from engine.register import codes, imports, rows, store
from engine.register.files import ENTERPRISE, POINT, SourceRow
from engine.register.imports import ADD, CHANGE, REFUSED, Preview, RowResult
from engine.register.rows import ENTERPRISE_HEADERS, POINT_HEADERS, Record
from engine.scoping import require_admin


def enterprise_cells_of(values: Mapping[str, Any]) -> dict[str, str]:
    """API/form values (English names; lists as lists) as the cells of a file row; absent names are left out."""
    cells: dict[str, str] = {}
    for header, name in ENTERPRISE_HEADERS.items():
        if name not in values or values[name] is None:
            continue
        value = values[name]
        if name == "former_names":
            value = "；".join(value)
        elif name == "memberships":
            value = "；".join(f"{m['year']}:{codes.MEDIA.get(m['medium'], m['medium'])}" for m in value)
        cells[header] = str(value)
    return cells


def point_cells_of(values: Mapping[str, Any]) -> dict[str, str]:
    cells: dict[str, str] = {}
    for header, name in POINT_HEADERS.items():
        if name not in values or values[name] is None:
            continue
        value = values[name]
        if name == "factors":
            value = "；".join("|".join("" if f.get(part) is None else str(f[part]) for part in
                                       ("code", "unit", "upper_limit", "lower_limit", "standard", "range_lower",
                                        "range_upper")) for f in value)
        elif name == "suspensions":
            value = "；".join(f"{codes.SUSPENSION_REASONS.get(s['reason'], s['reason'])}:"
                             f"{s['starts_at']}~{s['ends_at']}" for s in value)
        cells[header] = str(value)
    return cells


def save_enterprise(session: Session, actor: Actor, cells: Mapping[str, str], *, create: bool,
                    expected_version: int | None = None) -> RowResult:
    """Create (``create``) or change the enterprise of the row ``cells`` (Chinese headers, as in a file).

    :raises NotAllowed: not an admin. :raises NotFound: changing an unknown enterprise. :raises Conflict: creating
        an existing one. :raises PreconditionFailed: stale version. :raises InvalidInput: the Chinese reason.
    """
    require_admin(actor, "只有管理员可以修改名录 (only administrators change the register)")
    code = cells.get("统一社会信用代码", "")
    stored = store.stored_enterprises(session, code)
    _check_target(stored.get(code), create, expected_version, f"enterprise {code}")
    result = imports.enterprise_rows(stored, [SourceRow(ENTERPRISE, "form", 1, dict(cells))])[0]
    return _applied(session, actor, result)


def save_point(session: Session, actor: Actor, cells: Mapping[str, str], *, create: bool,
               expected_version: int | None = None) -> RowResult:
    """Create or change the point of the row ``cells`` (its enterprise must be registered). :raises: as above."""
    require_admin(actor, "只有管理员可以修改名录 (only administrators change the register)")
    mn = cells.get("MN", "")
    stored = store.stored_points(session, mn)
    _check_target(stored.get(mn), create, expected_version, f"point {mn}")
    owner = cells.get("统一社会信用代码") or (stored[mn]["credit_code"] if mn in stored else "")
    listed = set(store.enterprise_ids(session, [owner]))
    result = imports.point_rows(stored, listed, [SourceRow(POINT, "form", 1, dict(cells))])[0]
    return _applied(session, actor, result)


def _check_target(stored: Record | None, create: bool, expected_version: int | None, label: str) -> None:
    if create and stored is not None:
        raise Conflict(f"{label} is already registered")
    if not create and stored is None:
        raise NotFound(f"{label} not found")
    if stored is not None and expected_version is not None and expected_version != stored["version"]:
        raise PreconditionFailed(f"{label} changed (version {stored['version']}, not {expected_version})")


def _applied(session: Session, actor: Actor, result: RowResult) -> RowResult:
    if result.action == REFUSED:
        raise InvalidInput(result.reason, fields={_field_of(result): [result.reason]})
    if result.action in (ADD, CHANGE):
        imports.apply(session, actor, Preview([result]))
    return result


def _field_of(result: RowResult) -> str:
    """The field a refusal names (its reason starts with or contains the column's header)."""
    headers = ENTERPRISE_HEADERS if result.kind == ENTERPRISE else POINT_HEADERS
    named = [(result.reason.find(header), name) for header, name in headers.items() if header in result.reason]
    if "校验位" in result.reason or "格式错误（应为18位）" in result.reason:
        return "credit_code"
    return min(named)[1] if named else "row"


def enterprise_form(session: Session, actor: Actor, credit_code: str) -> tuple[dict[str, str], int]:
    """The stored enterprise as the cells of its edit form, and its version. :raises NotFound: :raises NotAllowed:"""
    require_admin(actor, "只有管理员可以修改名录 (only administrators change the register)")
    stored = store.stored_enterprises(session, credit_code).get(credit_code)
    if stored is None:
        raise NotFound(f"enterprise {credit_code} not found")
    return rows.enterprise_cells(stored), int(stored["version"])


def point_form(session: Session, actor: Actor, mn: str) -> tuple[dict[str, str], int]:
    """The stored point as the cells of its edit form (password blank), and its version."""
    require_admin(actor, "只有管理员可以修改名录 (only administrators change the register)")
    stored = store.stored_points(session, mn).get(mn)
    if stored is None:
        raise NotFound(f"monitoring point {mn} not found")
    return rows.point_cells(stored), int(stored["version"])
