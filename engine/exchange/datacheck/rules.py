"""The data-inspection rules' parameters as data: versions over the shipped defaults, checked, audited.

Every change stores a whole new version (the findings record which version found them), so what a
finding rested on can always be shown; the audit event lists the parameters that changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import REVIEWER_ROLES, Actor, Role
from engine.audit import trail as audit
from engine.errors import InvalidInput, NotAllowed
from engine.exchange.datacheck.models import CheckRuleVersion
from engine.exchange.datacheck.rule_defaults import DEFAULTS, RULES, SOURCES, SPECS
from engine.scoping import require_admin

REVIEWERS = REVIEWER_ROLES | {Role.ADMIN}


@dataclass(frozen=True)
class RuleSet:
    """The parameters in force: ``version`` 0 is the shipped default."""

    version: int
    params: Mapping[str, Mapping[str, Any]]
    changed_by: str = ""
    changed_at: datetime | None = None
    note: str = ""

    def rule(self, key: str) -> Mapping[str, Any]:
        return self.params[key]

    def enabled(self, key: str) -> bool:
        return bool(self.params[key]["enabled"])


def current(session: Session) -> RuleSet:
    """The newest stored version, else the shipped defaults."""
    row = session.scalars(select(CheckRuleVersion).order_by(CheckRuleVersion.version.desc()).limit(1)).first()
    if row is None:
        return RuleSet(0, {key: dict(DEFAULTS[key]) for key in RULES})
    return _of(row)


def versions(session: Session) -> list[RuleSet]:
    """Every stored version, newest first."""
    return [_of(row) for row in session.scalars(select(CheckRuleVersion).order_by(CheckRuleVersion.version.desc()))]


def _of(row: CheckRuleVersion) -> RuleSet:
    merged = {key: {**DEFAULTS[key], **row.params.get(key, {})} for key in RULES}
    return RuleSet(row.version, merged, row.changed_by, row.changed_at, row.note)


def change(session: Session, actor: Actor, params: Any, note: str = "") -> RuleSet:
    """Store a new version of the parameters (all rules, each complete).

    :raises NotAllowed: unless the actor is an administrator.
    :raises InvalidInput: naming each bad parameter as ``<rule>.<name>``.
    """
    require_admin(actor, "只有管理员可修改数据监查规则 (only administrators change the data-inspection rules)")
    cleaned = checked(params)
    before = current(session)
    row = CheckRuleVersion(version=before.version + 1, params=cleaned, note=note[:2000], changed_by=actor.username)
    session.add(row)
    session.flush()
    changed = {f"{key}.{name}": [before.params[key][name], value]
               for key, values in cleaned.items() for name, value in values.items()
               if before.params[key][name] != value}
    audit.record(session, actor, "exchange.rules_change",
                 payload={"version": row.version, "note": row.note, "changed": changed})
    return _of(row)


def checked(params: Any) -> dict[str, dict[str, Any]]:
    """The parameters of every rule, validated.

    :raises InvalidInput: naming each missing, unknown or out-of-range parameter.
    """
    if not isinstance(params, Mapping):
        raise InvalidInput("规则参数须为对象 (parameters must be an object)", fields={"params": ["须为 JSON 对象"]})
    errors: dict[str, list[str]] = {f"{key}": ["未知规则 (unknown rule)"] for key in params if key not in DEFAULTS}
    cleaned: dict[str, dict[str, Any]] = {}
    for key in RULES:
        given = params.get(key)
        if not isinstance(given, Mapping):
            errors[key] = ["必填，须为对象 (required object)"]
            continue
        cleaned[key] = {}
        for name in DEFAULTS[key]:
            value, error = _check_value(SPECS[name], given.get(name))
            if error:
                errors[f"{key}.{name}"] = [error]
            else:
                cleaned[key][name] = value
        errors.update({f"{key}.{name}": ["无此参数 (no such parameter)"] for name in given if name not in DEFAULTS[key]})
    if errors:
        raise InvalidInput("数据监查规则参数有误 (invalid data-inspection parameters)", fields=errors)
    return cleaned


def _check_value(spec: tuple[Any, ...], value: Any) -> tuple[Any, str | None]:
    if spec[0] == "bool":
        return (value, None) if isinstance(value, bool) else (None, "须为真或假 (must be true or false)")
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not number:
        return None, "须为数字 (must be a number)"
    if spec[0] == "int" and not float(value).is_integer():
        return None, "须为整数 (must be a whole number)"
    low, high = spec[1], spec[2]
    if not low <= value <= high:
        return None, f"须在 {low} 至 {high} 之间 (must lie between {low} and {high})"
    return (int(value) if spec[0] == "int" else float(value)), None


def source_of(key: str) -> str:
    """The public text the rule and its default rest on."""
    return SOURCES[key]


def history(session: Session, actor: Actor) -> list[RuleSet]:
    """The parameters in force first, then the older stored versions (just the defaults while none is stored).

    :raises NotAllowed: unless a reviewer or administrator.
    """
    if not actor.roles & REVIEWERS:
        raise NotAllowed("仅审核人员和管理员可查看数据监查规则 (for reviewers and administrators)")
    return versions(session) or [current(session)]


def change_from_form(session: Session, actor: Actor, form: Mapping[str, str], note: str = "") -> RuleSet:
    """:func:`change` from the rules page: one field ``<rule>.<name>`` per parameter; an unticked box is false.

    :raises NotAllowed: unless the actor is an administrator.
    :raises InvalidInput: naming each field that is not a number where one is needed, or out of range.
    """
    require_admin(actor, "只有管理员可修改数据监查规则 (only administrators change the data-inspection rules)")
    params: dict[str, dict[str, Any]] = {}
    for key in RULES:
        params[key] = {}
        for name in DEFAULTS[key]:
            raw = form.get(f"{key}.{name}", "")
            params[key][name] = raw in ("on", "true", "1") if SPECS[name][0] == "bool" else _number(raw)
    return change(session, actor, params, note)


def _number(text: str) -> Any:
    try:
        return float(text.strip())
    except ValueError:
        return text
