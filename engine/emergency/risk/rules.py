"""The risk rules as data: Q band limits and the plan revision period, versioned and audited.

Defaults and their sources:

- Q bands — HJ 941-2018 企业突发环境事件风险分级方法: Q < 1 is Q0 (the enterprise is rated 一般
  directly), 1 ≤ Q < 10 is Q1, 10 ≤ Q < 100 is Q2, Q ≥ 100 is Q3; Q = Σ qi/Qi over the risk
  substances stored (qi the maximum quantity on site, Qi its critical quantity).
- Plan revision — 企业事业单位突发环境事件应急预案备案管理办法（试行）(环发〔2015〕4号): plans are
  reviewed at least every three years.
- Expiring soon — this platform's starting value (90 days), not from either text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.emergency.risk.models import RiskRuleSet
from engine.errors import InvalidInput
from engine.scoping import require_admin

SOURCE = ("Q 分档：HJ 941-2018《企业突发环境事件风险分级方法》（Q<1 为 Q0，1≤Q<10 为 Q1，10≤Q<100 为 Q2，Q≥100 为 Q3）；"
          "预案修订周期：《企业事业单位突发环境事件应急预案备案管理办法（试行）》（环发〔2015〕4号）至少每三年回顾评估；"
          "临近到期提醒天数为本平台初始值。")
DEFAULTS: dict[str, Any] = {"q_bands": [1.0, 10.0, 100.0], "plan_revision_years": 3, "expiring_within_days": 90}
BAND_NAMES = ("Q0", "Q1", "Q2", "Q3")


class _Params(Schema):
    class Meta:
        unknown = RAISE

    q_bands = fields.List(fields.Float(validate=validate.Range(min=0, min_inclusive=False)), required=True,
                          validate=validate.Length(equal=3))
    plan_revision_years = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10))
    expiring_within_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=366))

    @validates_schema
    def _ascending(self, data: dict[str, Any], **_: Any) -> None:
        bands = data["q_bands"]
        if any(b <= a for a, b in zip(bands, bands[1:])):
            raise ValidationError("Q 分档界限须递增 (band limits must increase)", "q_bands")


@dataclass(frozen=True)
class RiskRules:
    version: int
    q_bands: tuple[float, float, float]
    plan_revision_years: int
    expiring_within_days: int

    def band(self, q: float | None) -> str:
        """The HJ 941 band of ``q`` (``""`` when nothing is stored)."""
        if q is None:
            return ""
        return BAND_NAMES[sum(1 for limit in self.q_bands if q >= limit)]

    def band_label(self, band: str) -> str:
        low, mid, high = (f"{b:g}" for b in self.q_bands)
        return {"Q0": f"Q<{low}", "Q1": f"{low}≤Q<{mid}", "Q2": f"{mid}≤Q<{high}", "Q3": f"Q≥{high}"}.get(band, "")


def current(session: Session) -> RiskRules:
    """The newest rule set (version 0, the shipped defaults, while none was saved)."""
    row = session.scalars(select(RiskRuleSet).order_by(RiskRuleSet.version.desc()).limit(1)).first()
    return _of(row.version if row else 0, row.params if row else DEFAULTS)


def history(session: Session) -> list[RiskRuleSet]:
    return list(session.scalars(select(RiskRuleSet).order_by(RiskRuleSet.version.desc())))


def save(session: Session, actor: Actor, params: dict[str, Any], note: str) -> RiskRules:
    """Store a new version of the rules.

    :raises NotAllowed: unless the actor is an administrator.
    :raises InvalidInput: naming the parameters that are wrong.
    """
    require_admin(actor, "只有管理员可以修改环境风险规则 (only administrators change the risk rules)")
    try:
        cleaned = _Params().load(params)
    except ValidationError as exc:
        raise InvalidInput("invalid risk rules", fields=exc.normalized_messages()) from None
    before = current(session)
    version = before.version + 1
    session.add(RiskRuleSet(version=version, params=cleaned, note=note[:2000], changed_by=actor.username))
    session.flush()
    audit.record(session, actor, "risk.rules_changed", payload={
        "version": version, "before": _params(before), "after": cleaned, "note": note[:200]})
    return _of(version, cleaned)


def _params(rules: RiskRules) -> dict[str, Any]:
    return {"q_bands": list(rules.q_bands), "plan_revision_years": rules.plan_revision_years,
            "expiring_within_days": rules.expiring_within_days}


def _of(version: int, params: dict[str, Any]) -> RiskRules:
    low, mid, high = (float(b) for b in params["q_bands"])
    return RiskRules(version, (low, mid, high), int(params["plan_revision_years"]), int(params["expiring_within_days"]))
