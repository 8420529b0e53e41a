"""Classes of the object directory: computed from the data, adjustable by hand with a reason, audited.

special (特殊监管对象): penalised within the look-back window (CreditFact kind="penalty"), a published credit
rating in the special levels (yellow/red), a special environmental-risk level (Enterprise.risk_level,
HJ 941-2018), or at least N verified complaints (CreditFact kind="complaint_verified") in the window;
key (重点): on a key-unit list (ListMembership) of the recent years, flagged a key unit in the register, or a
key risk level; general (一般): the rest. The thresholds are the draw rules' ``classes`` part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.credit.models import LEVEL_NAMES, CreditFact, CreditRating, RatingStatus
from engine.db import utcnow
from engine.errors import InvalidInput, NotFound
from engine.inspection import rules as draw_rules
from engine.inspection.access import manages
from engine.inspection.models import ClassChange, InspectionObject, ObjectClass
from engine.monitoring.models import Enterprise, ListMembership

RISK_NAMES = {"general": "一般", "larger": "较大", "major": "重大"}


def evidence(session: Session, today: date, criteria: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per enterprise code, the facts the criteria read: credit level, risk level, penalties, complaints, lists."""
    facts: dict[str, dict[str, Any]] = {}

    def of(code: str) -> dict[str, Any]:
        return facts.setdefault(code, {})

    for code, risk, key_unit in session.execute(select(Enterprise.credit_code, Enterprise.risk_level,
                                                       Enterprise.key_unit)):
        of(code).update(risk=risk, key_unit=key_unit)
    for code, year, level in session.execute(
            select(CreditRating.enterprise_code, CreditRating.year, CreditRating.level)
            .where(CreditRating.status == RatingStatus.PUBLISHED).order_by(CreditRating.year)):
        of(code)["credit"] = (year, level)  # the latest year wins
    for kind, window in (("penalty", criteria["penalty_lookback_days"]),
                         ("complaint_verified", criteria["complaint_lookback_days"])):
        for code, count in session.execute(
                select(CreditFact.enterprise_code, func.count()).where(
                    CreditFact.kind == kind, CreditFact.occurred_on > today - timedelta(days=window),
                    CreditFact.occurred_on <= today).group_by(CreditFact.enterprise_code)):
            of(code)[kind] = count
    first_year = today.year - criteria["key_list_lookback_years"]
    for code, year in session.execute(select(Enterprise.credit_code, func.max(ListMembership.year))
                                      .join(ListMembership, ListMembership.enterprise_id == Enterprise.id)
                                      .where(ListMembership.year >= first_year).group_by(Enterprise.credit_code)):
        of(code)["listed"] = year
    return facts


def classify(facts: Mapping[str, Any], criteria: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The class and the reasons (Chinese, for the directory page) of one enterprise's facts."""
    special: list[str] = []
    if facts.get("penalty"):
        special.append(f"近{criteria['penalty_lookback_days']}天受行政处罚 {facts['penalty']} 次")
    credit = facts.get("credit")
    if credit and credit[1] in criteria["special_credit_levels"]:
        special.append(f"{credit[0]} 年度信用评价为{LEVEL_NAMES[credit[1]]}")
    if facts.get("risk") in criteria["special_risk_levels"]:
        special.append(f"突发环境事件风险等级为{RISK_NAMES[facts['risk']]}")
    if facts.get("complaint_verified", 0) >= criteria["complaints_for_special"]:
        special.append(f"近{criteria['complaint_lookback_days']}天经查实投诉 {facts['complaint_verified']} 次")
    if special:
        return ObjectClass.SPECIAL, special
    key: list[str] = []
    if facts.get("listed"):
        key.append(f"列入 {facts['listed']} 年重点排污单位名录")
    elif facts.get("key_unit"):
        key.append("名录标记为重点排污单位")
    if facts.get("risk") in criteria["key_risk_levels"]:
        key.append(f"突发环境事件风险等级为{RISK_NAMES[facts['risk']]}")
    return (ObjectClass.KEY, key) if key else (ObjectClass.GENERAL, [])


def recompute(session: Session, actor: Actor, today: date) -> dict[str, int]:
    """Recompute every active object's class; record each change of the class in force; audit the totals."""
    criteria = draw_rules.current(session).rules["classes"]
    facts = evidence(session, today, criteria)
    now, moved = utcnow(), 0
    for obj in session.scalars(select(InspectionObject).where(InspectionObject.active.is_(True))):
        computed, reasons = classify(facts.get(obj.enterprise_code, {}), criteria)
        obj.computed_class, obj.class_reasons, obj.classified_at = computed, reasons, now
        in_force = obj.override_class or computed
        if in_force != obj.object_class:
            session.add(ClassChange(object_id=obj.id, from_class=obj.object_class, to_class=in_force,
                                    reason="；".join(reasons) or "不再符合特殊/重点条件", changed_by=actor.username))
            obj.object_class, moved = in_force, moved + 1
    session.flush()
    totals = Counter(session.scalars(select(InspectionObject.object_class)
                                     .where(InspectionObject.active.is_(True))))
    result = {"special": totals["special"], "key": totals["key"], "general": totals["general"], "changed": moved}
    audit.record(session, actor, "inspection.classify", payload={"outcomes": result})
    return result


def adjust(session: Session, actor: Actor, object_id: int, to_class: str | None, reason: str) -> InspectionObject:
    """Set (or with ``to_class`` None, clear) the manual class of an object, with its reason; audited.

    :raises NotFound: no such object in the actor's scope (reviewers of its region, administrators).
    :raises InvalidInput: an unknown class or an empty reason.
    """
    obj = session.get(InspectionObject, object_id)
    if obj is None or not manages(actor, obj.region_code):
        raise NotFound(f"检查对象 {object_id} 不存在 (no such object)")
    if to_class is not None and to_class not in set(ObjectClass):
        raise InvalidInput("未知的监管类别 (unknown class)", fields={"to_class": ["须为 special、key 或 general"]})
    if not reason.strip():
        raise InvalidInput("请填写调整理由 (a reason is required)", fields={"reason": ["此项为必填项 (required)"]})
    before = obj.object_class
    obj.override_class, obj.override_reason = to_class, reason.strip() if to_class else ""
    obj.override_by, obj.override_at = (actor.username, utcnow()) if to_class else (None, None)
    obj.object_class = to_class or obj.computed_class
    session.add(ClassChange(object_id=obj.id, from_class=before, to_class=obj.object_class, manual=True,
                            reason=reason.strip(), changed_by=actor.username))
    session.flush()
    audit.record(session, actor, "inspection.class_adjust",
                 payload={"key": obj.id, "from": before, "to": obj.object_class, "reason": reason.strip()})
    return obj
