"""Rating rules as data: one rule set per year, versioned and audited, validated, diffed from last year's.

A rule set (see :data:`engine.credit.rule_defaults.DEFAULT_RULES`) holds indicators in groups with
weights (each group's indicator weights and the group weights sum to 100), a scoring rule per
indicator over facts (``count`` thresholds, ``rate`` against a pass line, ``presence``), the level
thresholds, veto rules (a fact → red), downgrade rules (a fact → N levels down), zero rules (a fact
zeroes an indicator: the one named on the fact, or the rule's) and the scope (who is rated).
Version 0 of every year is the shipped default; a round records the version it applied, so a change
reaches the next round only.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.credit.models import CreditRuleSet
from engine.credit.rule_defaults import DEFAULT_RULES, FACT_KINDS
from engine.errors import InvalidInput
from engine.scoping import require_admin

KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="须为小写字母、数字和下划线 (lower-case key)")
FACT = validate.OneOf(sorted(FACT_KINDS), error="未知的事实类型 (unknown fact kind)")
POINTS = validate.Range(min=0, max=100, error="分值须在 0–100 之间 (points 0–100)")


class _Rule(Schema):
    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(("count", "rate", "presence")))
    fact = fields.String(required=True, validate=FACT)
    steps = fields.List(fields.List(fields.Float(), validate=validate.Length(equal=2)), load_default=None)
    pass_line = fields.Float(load_default=None, validate=validate.Range(min=0, max=1))
    pass_points = fields.Float(load_default=None, validate=POINTS)
    fail_points = fields.Float(load_default=None, validate=POINTS)
    missing_points = fields.Float(load_default=None, validate=POINTS)
    present_points = fields.Float(load_default=None, validate=POINTS)
    absent_points = fields.Float(load_default=None, validate=POINTS)

    @validates_schema
    def _complete(self, data: dict[str, Any], **_: Any) -> None:
        needed = {"count": ("steps",), "rate": ("pass_line", "pass_points", "fail_points"),
                  "presence": ("present_points", "absent_points")}[data["kind"]]
        missing = [name for name in needed if data.get(name) is None]
        if missing:
            raise ValidationError({name: ["此项为必填项 (required)"] for name in missing})
        if data["kind"] == "count":
            steps = data["steps"]
            if not steps or steps[0][0] != 0 or any(b[0] <= a[0] for a, b in zip(steps, steps[1:])):
                raise ValidationError("分档须从 0 起且次数递增 (steps start at 0, counts increasing)", "steps")
            if any(not 0 <= p <= 100 for _, p in steps):
                raise ValidationError("分值须在 0–100 之间 (points 0–100)", "steps")


class _Indicator(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=KEY)
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))
    weight = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    rule = fields.Nested(_Rule, required=True)


class _Group(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=KEY)
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))
    weight = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    indicators = fields.List(fields.Nested(_Indicator), required=True, validate=validate.Length(min=1, max=40))

    @validates_schema
    def _weights(self, data: dict[str, Any], **_: Any) -> None:
        if abs(sum(i["weight"] for i in data["indicators"]) - 100) > 1e-6:
            raise ValidationError("组内指标权重之和须为 100 (indicator weights must sum to 100)", "indicators")


class _Levels(Schema):
    class Meta:
        unknown = RAISE

    trustworthy = fields.Float(required=True, validate=POINTS)
    good = fields.Float(required=True, validate=POINTS)
    warning = fields.Float(required=True, validate=POINTS)

    @validates_schema
    def _descending(self, data: dict[str, Any], **_: Any) -> None:
        if not data["trustworthy"] > data["good"] > data["warning"]:
            raise ValidationError("分数线须依次递减：诚信 > 良好 > 警示 (thresholds must descend)")


class _Veto(Schema):
    fact = fields.String(required=True, validate=FACT)


class _Downgrade(Schema):
    fact = fields.String(required=True, validate=FACT)
    levels = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=3))


class _Zero(Schema):
    fact = fields.String(required=True, validate=FACT)
    indicator = fields.String(required=True, validate=KEY)


class _Scope(Schema):
    class Meta:
        unknown = RAISE

    key_units_only = fields.Boolean(required=True)
    lists = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list)
    stopped_months = fields.Integer(load_default=6, validate=validate.Range(min=0, max=60))
    excluded = fields.List(fields.String(validate=validate.Length(equal=18)), load_default=list, data_key="exclude",
                           attribute="exclude")


class RuleSetSchema(Schema):
    class Meta:
        unknown = RAISE

    source = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    groups = fields.List(fields.Nested(_Group), required=True, validate=validate.Length(min=1, max=10))
    levels = fields.Nested(_Levels, required=True)
    veto = fields.List(fields.Nested(_Veto), load_default=list)
    downgrade = fields.List(fields.Nested(_Downgrade), load_default=list)
    zero = fields.List(fields.Nested(_Zero), load_default=list)
    scope = fields.Nested(_Scope, required=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        if abs(sum(g["weight"] for g in data["groups"]) - 100) > 1e-6:
            raise ValidationError("各组权重之和须为 100 (group weights must sum to 100)", "groups")
        keys = [i["key"] for g in data["groups"] for i in g["indicators"]]
        if len(keys) != len(set(keys)):
            raise ValidationError("指标代码重复 (duplicate indicator key)", "groups")
        unknown = [z["indicator"] for z in data["zero"] if z["indicator"] not in keys]
        if unknown:
            raise ValidationError(f"未知的指标 (unknown indicator): {', '.join(unknown)}", "zero")


def validated(rules: Any) -> dict[str, Any]:
    """The rule set checked and normalised.

    :raises InvalidInput: naming each wrong part (e.g. ``groups.0.indicators``).
    """
    if not isinstance(rules, dict):
        raise InvalidInput("评价规则须为对象 (rules must be an object)", fields={"rules": ["须为 JSON 对象"]})
    try:
        loaded: dict[str, Any] = RuleSetSchema().load(rules)
    except ValidationError as exc:
        raise InvalidInput("评价规则有误 (invalid rating rules)", fields=_flat(exc.messages)) from None
    return loaded


def _flat(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "rules": list(messages)}
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = "rules" if key == "_schema" and not prefix else (prefix if key == "_schema" else
                                                                     f"{prefix}.{key}" if prefix else str(key))
            out.update(_flat(value, name))
        return out
    return {prefix or "rules": [str(messages)]}


@dataclass(frozen=True)
class RuleSetVersion:
    year: int
    version: int  # 0: the shipped default
    rules: dict[str, Any]
    id: int | None
    changed_by: str
    changed_at: datetime | None
    note: str


def _newest(session: Session, year: int) -> CreditRuleSet | None:
    return session.scalars(select(CreditRuleSet).where(CreditRuleSet.year == year)
                           .order_by(CreditRuleSet.version.desc()).limit(1)).first()


def current(session: Session, year: int) -> RuleSetVersion:
    """The year's rules in force: its newest version, else last year's newest carried over, else the default."""
    row = _newest(session, year) or _newest(session, year - 1)
    if row is None:
        return RuleSetVersion(year, 0, copy.deepcopy(DEFAULT_RULES), None, "", None, "")
    version = row.version if row.year == year else 0
    return RuleSetVersion(year, version, copy.deepcopy(row.rules), row.id if row.year == year else None,
                          row.changed_by, row.changed_at, row.note)


def stored_for_round(session: Session, actor: Actor, year: int) -> CreditRuleSet:
    """The row a round applies: the year's newest version, stored now (as version 1) if none is yet."""
    row = _newest(session, year)
    if row is not None:
        return row
    return _store(session, actor, year, current(session, year).rules, "按开评时有效规则固化 (fixed at round opening)")


def change(session: Session, actor: Actor, year: int, rules: Any, note: str = "") -> CreditRuleSet:
    """Store a new version of the year's rules (validated, audited with the diff from the version before).

    :raises NotAllowed: unless the actor is an administrator.
    :raises InvalidInput: naming the wrong parts of the rules.
    """
    require_admin(actor, "only administrators change the credit rating rules")
    if not 2000 <= year <= 2100:
        raise InvalidInput("invalid year", fields={"year": ["年度无效 (invalid year)"]})
    return _store(session, actor, year, validated(rules), note)


def _store(session: Session, actor: Actor, year: int, rules: dict[str, Any], note: str) -> CreditRuleSet:
    before = current(session, year)
    previous = _newest(session, year)
    row = CreditRuleSet(year=year, version=(previous.version + 1) if previous else 1, rules=rules,
                        note=note[:2000], changed_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "credit.rules_change", payload={
        "year": year, "version": row.version, "note": row.note,
        "changed": [path for path, _, _ in diff(before.rules, rules)]})
    return row


def versions(session: Session, year: int) -> list[RuleSetVersion]:
    """The year's stored versions, newest first."""
    rows = session.scalars(select(CreditRuleSet).where(CreditRuleSet.year == year)
                           .order_by(CreditRuleSet.version.desc()))
    return [RuleSetVersion(r.year, r.version, r.rules, r.id, r.changed_by, r.changed_at, r.note) for r in rows]


def diff(older: Any, newer: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """The leaves that differ, as (dotted path, older, newer); groups and indicators are matched by key."""
    if isinstance(older, dict) and isinstance(newer, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in sorted(set(older) | set(newer)):
            out += diff(older.get(key), newer.get(key), f"{path}.{key}" if path else str(key))
        return out
    if _keyed(older) and _keyed(newer):
        return diff({i["key"]: i for i in older}, {i["key"]: i for i in newer}, path)
    return [] if older == newer else [(path, older, newer)]


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) and "key" in i for i in value)


def indicators(rules: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(group, indicator) pairs in order."""
    return [(g, i) for g in rules["groups"] for i in g["indicators"]]


def change_from_text(session: Session, actor: Actor, year: int, text: str, note: str = "") -> CreditRuleSet:
    """:func:`change` from the admin page's JSON text.

    :raises InvalidInput: the text is not JSON (with the line and column), or see :func:`change`.
    """
    require_admin(actor, "only administrators change the credit rating rules")
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        raise InvalidInput("JSON 格式有误 (invalid JSON)", fields={"rules": [str(exc)]}) from None
    return change(session, actor, year, parsed, note)


@dataclass(frozen=True)
class AdminPage:
    year: int
    current: RuleSetVersion
    versions: list[RuleSetVersion]
    last_year: RuleSetVersion
    diff_from_last_year: list[tuple[str, Any, Any]]


def admin_page(session: Session, actor: Actor, year: int) -> AdminPage:
    """The year's rules in force, its versions and the difference from last year's.

    :raises NotAllowed: unless an administrator.
    """
    require_admin(actor, "only administrators edit the credit rating rules")
    now, last = current(session, year), current(session, year - 1)
    return AdminPage(year, now, versions(session, year), last, diff(last.rules, now.rules))
