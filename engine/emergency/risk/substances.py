"""The risk substances an enterprise stores, each measured against its critical quantity, and Q = Σ qi/Qi.

A substance names a chemical of the library by CAS number or Chinese name; when the
published chemical carries a critical quantity (GB 18218-2018 table 1 / HJ 941-2018 annex A),
that is the default, and a row may give its own (with the basis it cites).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.emergency.library.identifiers import valid_cas
from engine.emergency.library.models import LibraryEntry, LibraryVersion
from engine.emergency.risk import access
from engine.emergency.risk.models import RiskSubstance
from engine.errors import InvalidInput

MAX_QUANTITY_T = 10_000_000.0


@dataclass(frozen=True)
class Chemical:
    entry_id: int
    name: str
    cas: str
    critical_quantity_t: float | None
    basis: str


class Catalogue:
    """The published chemicals by CAS number, Chinese name and alias (loaded once per import)."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(LibraryEntry.id, LibraryVersion.fields).join(
            LibraryVersion, (LibraryVersion.entry_id == LibraryEntry.id)
            & (LibraryVersion.number == LibraryEntry.published_version))
            .where(LibraryEntry.library == "chemical")).tuples()
        self.by_key: dict[str, Chemical] = {}
        for entry_id, fields in rows:
            quantity = fields.get("critical_quantity_t")
            chemical = Chemical(entry_id, str(fields.get("name_zh") or ""), str(fields.get("cas") or ""),
                                float(quantity) if quantity is not None else None,
                                str(fields.get("critical_quantity_basis") or ""))
            for key in (chemical.cas, chemical.name, *(fields.get("aliases") or [])):
                if key:
                    self.by_key.setdefault(str(key).strip(), chemical)

    def find(self, name: str, cas: str) -> Chemical | None:
        return self.by_key.get(cas.strip()) or self.by_key.get(name.strip())


def clean(row: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    """One substance row, typed, with the library's critical quantity where the row gives none.

    :raises InvalidInput: naming every field that is wrong.
    """
    errors: dict[str, list[str]] = {}
    name, cas = str(row.get("name") or "").strip(), str(row.get("cas") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = ["物质名称必填，最多 100 字 (name is required, at most 100 characters)"]
    if cas and not valid_cas(cas):
        errors["cas"] = [f"{cas!r} 不是有效的CAS号（校验位不符或格式错误）(invalid CAS number)"]
    chemical = catalogue.find(name, cas)
    maximum = _quantity(row.get("max_quantity_t"), "max_quantity_t", "最大存在量", errors, required=True)
    critical = _quantity(row.get("critical_quantity_t"), "critical_quantity_t", "临界量", errors, required=False)
    if critical is None and "critical_quantity_t" not in errors:
        critical = chemical.critical_quantity_t if chemical else None
        if critical is None:
            errors["critical_quantity_t"] = ["资源库中无该物质的临界量，须填写 (no critical quantity in the library: give one)"]
    if critical is not None and critical <= 0:
        errors["critical_quantity_t"] = ["临界量须大于 0 (critical quantity must be positive)"]
    if errors:
        raise InvalidInput("invalid risk substance", fields=errors)
    basis = str(row.get("critical_basis") or "").strip()[:200] or (chemical.basis if chemical else "")
    return {"name": name, "cas": cas or (chemical.cas if chemical else ""), "max_quantity_t": maximum,
            "critical_quantity_t": critical, "critical_basis": basis}


def _quantity(raw: Any, name: str, label: str, errors: dict[str, list[str]], *, required: bool) -> float | None:
    if raw in (None, ""):
        if required:
            errors[name] = [f"{label}必填 ({name} is required)"]
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        errors[name] = [f"{label}须为数字（吨）({name} must be a number of tonnes)"]
        return None
    if not math.isfinite(value) or value < 0 or value > MAX_QUANTITY_T:
        errors[name] = [f"{label}须在 0–{MAX_QUANTITY_T:g} 吨之间 ({name} out of range)"]
        return None
    return value


def q_ratio(rows: Iterable[RiskSubstance]) -> float | None:
    """Σ qi/Qi over the stored substances (None when none is stored)."""
    items = list(rows)
    return sum(r.max_quantity_t / r.critical_quantity_t for r in items) if items else None


def of(session: Session, actor: Actor, enterprise_code: str) -> list[RiskSubstance]:
    """:raises NotFound: for an enterprise outside the actor's scope."""
    access.enterprise(session, actor, enterprise_code)
    return stored(session, enterprise_code)


def stored(session: Session, enterprise_code: str) -> list[RiskSubstance]:
    return list(session.scalars(select(RiskSubstance).where(RiskSubstance.enterprise_code == enterprise_code)
                                .order_by(RiskSubstance.name)))


def replace(session: Session, actor: Actor, enterprise_code: str, rows: Sequence[dict[str, Any]]) -> list[RiskSubstance]:
    """Make ``rows`` the enterprise's whole list of stored substances.

    :raises NotFound: for an enterprise outside the actor's scope.
    :raises NotAllowed: unless the actor may write the enterprise's risk data.
    :raises InvalidInput: naming the rows and fields that are wrong (nothing is written then).
    """
    enterprise = access.writable_enterprise(session, actor, enterprise_code)
    catalogue = Catalogue(session)
    cleaned, errors = [], {}
    for number, row in enumerate(rows, start=1):
        try:
            cleaned.append(clean(row, catalogue))
        except InvalidInput as exc:
            errors.update({f"substances[{number}].{k}": v for k, v in exc.fields.items()})
    names = [r["name"] for r in cleaned]
    if len(set(names)) != len(names):
        errors["substances"] = ["同一物质不能重复填报 (each substance once)"]
    if errors:
        raise InvalidInput("invalid risk substances", fields=errors)
    before = {r.name: r.max_quantity_t for r in stored(session, enterprise.credit_code)}
    session.execute(delete(RiskSubstance).where(RiskSubstance.enterprise_code == enterprise.credit_code))
    now = utcnow()
    saved = [RiskSubstance(enterprise_code=enterprise.credit_code, updated_by=actor.username, updated_at=now, **r)
             for r in cleaned]
    session.add_all(saved)
    session.flush()
    audit.record(session, actor, "risk.substances_saved", payload={
        "enterprise": enterprise.credit_code, "before": before, "after": {r.name: r.max_quantity_t for r in saved}, "q": q_ratio(saved)})
    return sorted(saved, key=lambda r: r.name)
