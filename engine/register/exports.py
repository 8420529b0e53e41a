"""Register export: the stored register as the files import reads (xlsx with a sheet per kind, or CSV of one kind).

Export writes exactly the cells import compares against, so exporting and
importing the result changes nothing. Passwords are never exported (a blank
password cell keeps the stored one).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import InvalidInput
from engine.register import files, rows, store
from engine.register.files import ENTERPRISE, POINT
from engine.scoping import require_admin

KINDS = {"enterprises": ENTERPRISE, "points": POINT}


def _cells(session: Session, kind: str) -> list[dict[str, str]]:
    if kind == ENTERPRISE:
        stored = store.stored_enterprises(session)
        return [rows.enterprise_cells(stored[code]) for code in sorted(stored)]
    points = store.stored_points(session)
    return [rows.point_cells(points[mn]) for mn in sorted(points)]


def export(session: Session, actor: Actor, *, kind: str | None = None, fmt: str = "xlsx") -> bytes:
    """The register as xlsx (both kinds, or ``kind`` only) or CSV (``kind`` required; UTF-8 with BOM, or ``gbk``).

    :raises NotAllowed: unless the actor is an administrator. :raises InvalidInput: unknown kind or format.
    """
    require_admin(actor, "只有管理员可以导出名录 (only administrators export the register)")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}", fields={"kind": ["须为 enterprises 或 points"]})
    wanted = [KINDS[kind]] if kind else [ENTERPRISE, POINT]
    if fmt == "xlsx":
        return files.write_xlsx({files.SHEET_NAMES[k]: files.HEADERS[k] for k in wanted},
                                {files.SHEET_NAMES[k]: _cells(session, k) for k in wanted})
    if fmt not in ("csv", "gbk") or len(wanted) != 1:
        raise InvalidInput("CSV holds one kind", fields={"format": ["CSV 须指定 --kind (one kind per CSV)"]})
    return files.write_csv(files.HEADERS[wanted[0]], _cells(session, wanted[0]),
                           encoding="gb18030" if fmt == "gbk" else "utf-8-sig")
