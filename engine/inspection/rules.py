"""Draw rules as data: versioned, validated, audited (version 0 is :data:`rule_defaults.DEFAULT_RULES`).

A plan records the version it was created under; a change reaches plans created afterwards only.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.errors import InvalidInput
from engine.inspection.models import InspectionRuleSet
from engine.inspection.rule_defaults import DEFAULT_RULES
from engine.scoping import require_admin

RATIO = validate.Range(min=0, max=1, error="比例须在 0–1 之间 (ratio 0–1)")


class QuotaSchema(Schema):
    class Meta:
        unknown = RAISE

    ratio = fields.Float(validate=RATIO)
    count = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))
    per_officer_per_year = fields.Float(validate=validate.Range(min=0, max=1000))

    @validates_schema
    def _one_form(self, data: dict[str, Any], **_: Any) -> None:
        if len(data) != 1:
            raise ValidationError("须且只能给出 ratio、count、per_officer_per_year 之一 (exactly one quota form)")


class _LevelQuotas(Schema):
    class Meta:
        unknown = RAISE

    special = fields.Nested(QuotaSchema, required=True)
    key = fields.Nested(QuotaSchema, required=True)
    general = fields.Nested(QuotaSchema, required=True)


class _Quotas(Schema):
    class Meta:
        unknown = RAISE

    city = fields.Nested(_LevelQuotas, required=True)
    county = fields.Nested(_LevelQuotas, required=True)


class _Conflicts(Schema):
    class Meta:
        unknown = RAISE

    exclude_linked = fields.Boolean(required=True)
    exclude_previous = fields.Boolean(required=True)


class _Classes(Schema):
    class Meta:
        unknown = RAISE

    penalty_lookback_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=3660))
    complaint_lookback_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=3660))
    complaints_for_special = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    special_credit_levels = fields.List(fields.Integer(validate=validate.Range(min=1, max=4)), required=True)
    special_risk_levels = fields.List(fields.String(validate=validate.OneOf(("general", "larger", "major"))),
                                      required=True)
    key_risk_levels = fields.List(fields.String(validate=validate.OneOf(("general", "larger", "major"))),
                                  required=True)
    key_list_lookback_years = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10))


class RuleSetSchema(Schema):
    class Meta:
        unknown = RAISE

    source = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    quotas = fields.Nested(_Quotas, required=True)
    campaign_ratio = fields.Float(required=True, validate=RATIO)
    officers_per_unit = fields.Integer(required=True, strict=True,
                                       validate=validate.Equal(2, error="本版本每个检查对象固定两名执法人员 (2 officers)"))
    conflicts = fields.Nested(_Conflicts, required=True)
    classes = fields.Nested(_Classes, required=True)


@dataclass(frozen=True)
class RuleVersion:
    version: int  # 0: the shipped default
    rules: dict[str, Any]
    changed_by: str
    note: str


def validated(rules: Any) -> dict[str, Any]:
    """:raises InvalidInput: naming each wrong part, e.g. ``quotas.city.key``."""
    if not isinstance(rules, dict):
        raise InvalidInput("抽查规则须为对象 (rules must be an object)", fields={"rules": ["须为 JSON 对象"]})
    try:
        loaded: dict[str, Any] = RuleSetSchema().load(rules)
    except ValidationError as exc:
        raise InvalidInput("抽查规则有误 (invalid draw rules)", fields=_flat(exc.messages)) from None
    return loaded


def _flat(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            out.update(_flat(value, name))
        return out
    return {prefix or "rules": [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]}


def change_from_text(session: Session, actor: Actor, text: str, note: str = "") -> InspectionRuleSet:
    """:func:`change` from the rules page's JSON text.  :raises InvalidInput: not JSON, or wrong rules."""
    try:
        rules = json.loads(text)
    except ValueError as exc:
        raise InvalidInput("抽查规则须为 JSON (rules must be JSON)", fields={"rules": [str(exc)]}) from None
    return change(session, actor, rules, note)


def current(session: Session) -> RuleVersion:
    """The rules in force: the newest stored version, else the shipped default."""
    row = session.scalars(select(InspectionRuleSet).order_by(InspectionRuleSet.version.desc()).limit(1)).first()
    if row is None:
        return RuleVersion(0, copy.deepcopy(DEFAULT_RULES), "", "")
    return RuleVersion(row.version, copy.deepcopy(row.rules), row.changed_by, row.note)


def of_version(session: Session, version: int) -> dict[str, Any]:
    """The rules a plan was created under."""
    if version == 0:
        return copy.deepcopy(DEFAULT_RULES)
    row = session.scalars(select(InspectionRuleSet).where(InspectionRuleSet.version == version)).one()
    return copy.deepcopy(row.rules)


def change(session: Session, actor: Actor, rules: Any, note: str = "") -> InspectionRuleSet:
    """Store a new version (validated; audited with the version before and after).

    :raises NotAllowed: unless the actor is an administrator.
    :raises InvalidInput: naming the wrong parts.
    """
    require_admin(actor, "只有管理员可以修改抽查规则 (only administrators change the draw rules)")
    loaded = validated(rules)
    before = current(session)
    row = InspectionRuleSet(version=before.version + 1, rules=loaded, note=note, changed_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "inspection.rules_change",
                 payload={"version": row.version, "before": before.rules, "after": loaded, "note": note})
    return row
