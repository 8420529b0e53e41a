"""The agreed sync schedule and alert thresholds as data: versioned, audited, validated, with cited defaults.

Per category: ``every`` — ``day`` (a batch by ``by`` o'clock each day, Asia/Shanghai), ``month`` (by ``by`` on
day ``day`` of each month) or ``event`` (sent when something happens: never late); ``grace_hours`` before a
missed time counts as late. ``refusal_share`` is the share of refused records above which a batch is reported;
``max_age_months`` how far back a record's period may lie.

Version 0 is :data:`DEFAULT_RULES`, never stored; an administrator's change stores version n+1.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.errors import InvalidInput
from engine.exchange.categories import Category
from engine.exchange.models import ExchangeSchedule
from engine.scoping import require_admin

DAILY_BY_SIX = {"every": "day", "by": "06:00", "grace_hours": 2}
DEFAULT_RULES: dict[str, Any] = {
    "categories": {
        # 环境保护税法 art. 17/18: the tax is computed monthly and filed within 15 days after each quarter;
        # returns and payments reach the exchange by the 20th (15 days + 5 for the exchange, *unverified*:
        # set to the local agreement).
        Category.TAX_RETURNS.value: {"every": "month", "day": 20, "by": "23:59", "grace_hours": 24},
        Category.TAX_PAYMENTS.value: {"every": "month", "day": 20, "by": "23:59", "grace_hours": 24},
        # 环境保护税法 art. 15 and 实施条例 art. 15: taxpayer and source information shared through the exchange
        # platform; daily by 06:00 as the department's exchange agreement sets it (*unverified*).
        Category.TAXPAYERS.value: DAILY_BY_SIX,
        Category.TAX_SOURCES.value: DAILY_BY_SIX,
        Category.REVIEW_REQUESTS.value: {"every": "event", "grace_hours": 0},
        # the environment side publishes each night (web/scheduler.py ``exchange_publish``); the tax side pulls
        # by 06:00 (*unverified*).
        Category.ONLINE_MONITORING.value: DAILY_BY_SIX,
        Category.PERMITS.value: DAILY_BY_SIX,
        Category.PENALTIES.value: DAILY_BY_SIX,
        Category.REVIEW_FEEDBACK.value: DAILY_BY_SIX,
        Category.SUPERVISORY_MONITORING.value: {"every": "event", "grace_hours": 0},
    },
    # no public norm: the department's alert level (*unverified*), set per agreement with the tax bureau
    "refusal_share": 0.05,
    # 税收征收管理法 art. 52: unpaid tax is pursued for up to five years, so older periods are refused
    "max_age_months": 60,
}
SOURCES = ("环境保护税法 第十五、十七、十八条; 环境保护税法实施条例 第十五条; 税收征收管理法 第五十二条; "
           "按日交换时刻与拒收比例阈值无公开规范，按双方交换协议设定")


class _CategoryRule(Schema):
    class Meta:
        unknown = RAISE

    every = fields.String(required=True, validate=validate.OneOf(("day", "month", "event")))
    by = fields.String(load_default="06:00", validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$",
                                                                     error="须为 HH:MM (a time HH:MM)"))
    day = fields.Integer(load_default=1, validate=validate.Range(min=1, max=28))
    grace_hours = fields.Integer(load_default=0, validate=validate.Range(min=0, max=24 * 31))


class _Rules(Schema):
    class Meta:
        unknown = RAISE

    categories = fields.Dict(keys=fields.String(validate=validate.OneOf([c.value for c in Category])),
                             values=fields.Nested(_CategoryRule), required=True)
    refusal_share = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    max_age_months = fields.Integer(required=True, validate=validate.Range(min=1, max=240))

    @validates_schema
    def _every_category(self, data: dict[str, Any], **_: Any) -> None:
        missing = sorted({c.value for c in Category} - set(data["categories"]))
        if missing:
            raise ValidationError(f"缺少类别 (missing categories): {', '.join(missing)}", "categories")


@dataclass(frozen=True)
class Schedule:
    version: int
    rules: dict[str, Any]
    changed_by: str
    changed_at: datetime | None

    def of(self, category: Category) -> dict[str, Any]:
        rule: dict[str, Any] = self.rules["categories"][category.value]
        return rule

    @property
    def refusal_share(self) -> float:
        return float(self.rules["refusal_share"])

    @property
    def max_age_months(self) -> int:
        return int(self.rules["max_age_months"])


def current(session: Session) -> Schedule:
    """The schedule in force: the latest stored version, or the defaults (version 0)."""
    row = session.scalars(select(ExchangeSchedule).order_by(ExchangeSchedule.version.desc()).limit(1)).first()
    if row is None:
        return Schedule(0, validated(DEFAULT_RULES), "system", None)
    return Schedule(row.version, row.rules, row.changed_by, row.changed_at)


def validated(rules: Any) -> dict[str, Any]:
    """The rules with their defaults filled in.

    :raises InvalidInput: naming each field at fault.
    """
    try:
        loaded: dict[str, Any] = _Rules().load(copy.deepcopy(rules))
    except ValidationError as exc:
        raise InvalidInput("交换计划有误 (invalid exchange schedule)", fields=_flat(exc.messages)) from None
    return loaded


def save(session: Session, actor: Actor, rules: Any, note: str) -> Schedule:
    """Store a new version of the schedule (administrators only), audited with the change.

    :raises NotAllowed: not an administrator.
    :raises InvalidInput: the rules are incomplete or out of range.
    """
    require_admin(actor, "交换计划由管理员维护 (administrators keep the exchange schedule)")
    loaded = validated(rules)
    before = current(session)
    row = ExchangeSchedule(version=before.version + 1, rules=loaded, note=note[:2000], changed_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "exchange.schedule", payload={
        "version": row.version, "note": row.note,
        "changed": sorted(key for key in ("refusal_share", "max_age_months") if before.rules[key] != loaded[key])
        + sorted(name for name, rule in loaded["categories"].items() if before.rules["categories"].get(name) != rule)})
    return Schedule(row.version, row.rules, row.changed_by, row.changed_at)


def history(session: Session) -> list[ExchangeSchedule]:
    """Every stored version, newest first."""
    return list(session.scalars(select(ExchangeSchedule).order_by(ExchangeSchedule.version.desc())))


def _flat(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, list):
        return {prefix or "rules": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if key == "value":  # marshmallow's level for a dict's values: categories.<name>.value.<field>
            flat.update(_flat(value, prefix))
            continue
        flat.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat
