"""Anomaly rules and monitoring settings as data: defaults, checked parameters, per-factor overrides.

Each rule has default parameters (``RULE_DEFAULTS``), which administrators can
change (one ``monitoring_rules`` row per key) and override per factor
(``point_factors.rule_params``). Settings groups (``grouping``, ``validity``,
``rates``) live in the same table. Every change is audited with before/after.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import InvalidInput, NotFound
from engine.monitoring.models import MonitoringRule
from engine.scoping import require_admin

ALL_FLAGS = "NFMSDCTB"

RULE_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "exceedance": {"enabled": True},
    "zero": {"enabled": True, "count": 3},
    "constant": {"enabled": True, "count": 6, "tolerance": 0.0},
    "negative": {"enabled": True},
    "over_range": {"enabled": True},
    "missing": {"enabled": True, "deadline_minutes": 60, "lookback_hours": 6},
    "sudden_change": {"enabled": True, "ratio": 3.0, "min_delta": 0.0},
    "flag": {"enabled": True, "flags": ["F", "M", "D", "C", "B", "S"]},
}
"""Anomaly types (the BPMN config routes these names) and their default parameters."""

SETTING_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "grouping": {"join_gap_hours": 0, "repeat_window_days": 30, "repeat_threshold": 1},
    "validity": {"invalid_flags": ["F", "M", "D", "C", "B"]},
    "rates": {"cn": "2061", "validity_denominator": "received", "timeliness_deadline_minutes": 60,
              "pass_line": 0.9},
}
"""Settings groups: how anomalies join tasks and route as ``repeated``, which flags are invalid, rates."""

DEFAULTS: Mapping[str, Mapping[str, Any]] = {**RULE_DEFAULTS, **SETTING_DEFAULTS}
REPEATED = "repeated"

_SPECS: Mapping[str, Mapping[str, tuple[Any, ...]]] = {
    "enabled": {"": ("bool",)},
    "count": {"zero": ("int", 1, 1000), "constant": ("int", 2, 1000)},
    "tolerance": {"": ("float", 0.0, 1e9)},
    "deadline_minutes": {"": ("int", 0, 10080)},
    "lookback_hours": {"": ("int", 1, 720)},
    "ratio": {"": ("float", 0.01, 1e6)},
    "min_delta": {"": ("float", 0.0, 1e9)},
    "flags": {"": ("flags",)},
    "invalid_flags": {"": ("flags",)},
    "join_gap_hours": {"": ("int", 0, 720)},
    "repeat_window_days": {"": ("int", 0, 366)},
    "repeat_threshold": {"": ("int", 1, 1000)},
    "cn": {"": ("choice", "2061", "2031", "2051")},
    "validity_denominator": {"": ("choice", "received", "expected")},
    "timeliness_deadline_minutes": {"": ("int", 0, 100_000)},
    "pass_line": {"": ("float", 0.0, 1.0)},
}


def _spec(key: str, name: str) -> tuple[Any, ...]:
    by_key = _SPECS[name]
    return by_key.get(key) or by_key[""]


def _check_value(spec: tuple[Any, ...], value: Any) -> tuple[Any, str | None]:
    """Return the cleaned value, or an error message in Chinese and English."""
    kind = spec[0]
    if kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, "须为真或假 (must be true or false)")
    if kind == "choice":
        return (value, None) if value in spec[1:] else (None, f"须为 {'/'.join(spec[1:])} 之一 (one of them)")
    if kind == "flags":
        ok = isinstance(value, list) and all(isinstance(f, str) and len(f) == 1 and f in ALL_FLAGS for f in value)
        return (sorted(set(value), key=ALL_FLAGS.index), None) if ok else (None, f"须为 {ALL_FLAGS} 中的标记 (data flags)")
    number_ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "int" and not (number_ok and float(value).is_integer()):
        return None, "须为整数 (must be a whole number)"
    if not number_ok:
        return None, "须为数字 (must be a number)"
    low, high = spec[1], spec[2]
    if not low <= value <= high:
        return None, f"须在 {low} 至 {high} 之间 (must lie between {low} and {high})"
    return (int(value) if kind == "int" else float(value)), None


def check_params(key: str, params: Any, *, partial: bool = False, field_prefix: str = "") -> dict[str, Any]:
    """Validate parameters of one rule or settings group.

    :param partial: a per-factor override may give only some parameters.
    :raises InvalidInput: naming each bad field as ``<prefix><name>``.
    """
    if key not in DEFAULTS:
        raise InvalidInput(f"unknown rule {key!r}", fields={f"{field_prefix}key": [f"未知规则 (unknown rule) {key}"]})
    if not isinstance(params, Mapping):
        raise InvalidInput(f"parameters of {key} must be an object", fields={f"{field_prefix}{key}": ["须为对象"]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in params.items():
        if name not in DEFAULTS[key]:
            errors[f"{field_prefix}{name}"] = [f"{key} 无此参数 (no such parameter)"]
            continue
        result, error = _check_value(_spec(key, name), value)
        if error:
            errors[f"{field_prefix}{name}"] = [error]
        else:
            cleaned[name] = result
    missing = [] if partial else [name for name in DEFAULTS[key] if name not in params]
    for name in missing:
        errors[f"{field_prefix}{name}"] = ["必填 (required)"]
    if errors:
        raise InvalidInput(f"invalid parameters for {key}", fields=errors)
    return cleaned


@dataclass(frozen=True)
class RuleBook:
    """The effective defaults of every rule and settings group (database rows over shipped defaults)."""

    params: Mapping[str, Mapping[str, Any]]
    _merged: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict, compare=False, repr=False)

    def rule(self, key: str) -> Mapping[str, Any]:
        return self.params[key]

    def for_factor(self, overrides: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
        """The rules of one factor: defaults with the factor's overrides on top (bad overrides ignored).

        Factors with the same overrides share one (read-only) result.
        """
        cache_key = repr(overrides) if overrides else ""
        merged = self._merged.get(cache_key)
        if merged is None:
            merged = {}
            for key in RULE_DEFAULTS:
                own = (overrides or {}).get(key)
                merged[key] = {**self.params[key], **(own if isinstance(own, Mapping) else {})}
            self._merged[cache_key] = merged
        return merged


def load_book(session: Session) -> RuleBook:
    stored = {row.key: row.params for row in session.scalars(select(MonitoringRule))}
    return RuleBook({key: {**defaults, **stored.get(key, {})} for key, defaults in DEFAULTS.items()})


def update_rule(session: Session, actor: Actor, key: str, params: Any) -> MonitoringRule:
    """Replace the default parameters of a rule or settings group (admins only, audited).

    :raises NotAllowed: unless the actor is an admin.
    :raises InvalidInput: naming each bad parameter.
    """
    require_admin(actor, "only administrators change anomaly rules")
    cleaned = check_params(key, params)
    row = session.get(MonitoringRule, key)
    before = dict(row.params) if row else dict(DEFAULTS[key])
    if row is None:
        row = MonitoringRule(key=key, params=cleaned, updated_by=actor.username)
        session.add(row)
    else:
        row.params, row.updated_by, row.updated_at = cleaned, actor.username, utcnow()
    session.flush()
    audit.record(session, actor, "monitoring.rule_change", payload={"rule": key, "before": before, "after": cleaned})
    return row


def rule_table(session: Session, actor: Actor) -> list[tuple[str, dict[str, Any], MonitoringRule | None]]:
    """Every rule and settings group with its effective parameters and the row that changed it, if any.

    :raises NotAllowed: unless the actor is an admin.
    """
    require_admin(actor, "only administrators manage anomaly rules")
    rows = {row.key: row for row in session.scalars(select(MonitoringRule))}
    book = load_book(session)
    return [(key, dict(book.params[key]), rows.get(key)) for key in DEFAULTS]


def require_known(key: str) -> None:
    if key not in DEFAULTS:
        raise NotFound(f"rule {key} not found")
