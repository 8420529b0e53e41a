"""Recording an enterprise's environmental-risk assessment (HJ 941-2018); it sets the register's level and date."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.emergency.risk import access, substances
from engine.emergency.risk.levels import RISK_LEVELS
from engine.emergency.risk.models import RiskAssessment
from engine.errors import InvalidInput

EXPRESSION = re.compile(r"^(一般|较大|重大)(\[.{1,180}\])?$")


def record(session: Session, actor: Actor, enterprise_code: str, data: dict[str, Any], *,
           today: date) -> RiskAssessment:
    """Store an assessment and make its level the enterprise's current one.

    ``data``: ``level`` (general/larger/major), ``assessed_on`` (ISO date, not in the future),
    optional ``expression`` (e.g. ``较大[较大-大气(Q2-M1-E2)+一般-水(Q1-M1-E3)]``) whose leading word
    must agree with the level.

    :raises NotFound: outside the actor's scope. :raises NotAllowed: unless the actor may write.
    :raises InvalidInput: naming the fields that are wrong.
    """
    enterprise = access.writable_enterprise(session, actor, enterprise_code)
    level, assessed_on, expression = _clean(data, today)
    row = RiskAssessment(enterprise_code=enterprise.credit_code, region_code=enterprise.region_code, level=level,
                         previous_level=enterprise.risk_level or "", expression=expression,
                         q_value=substances.q_ratio(substances.stored(session, enterprise.credit_code)),
                         assessed_on=assessed_on, recorded_by=actor.username, recorded_at=utcnow())
    session.add(row)
    enterprise.risk_level, enterprise.risk_assessed_on = level, assessed_on
    enterprise.version += 1
    enterprise.updated_at = row.recorded_at
    session.flush()
    audit.record(session, actor, "risk.assessed", payload={
        "enterprise": enterprise.credit_code, "assessment": row.id, "before": row.previous_level, "after": level,
        "assessed_on": assessed_on.isoformat(), "expression": expression})
    return row


def _clean(data: dict[str, Any], today: date) -> tuple[str, date, str]:
    errors: dict[str, list[str]] = {}
    level = str(data.get("level") or "")
    if level not in RISK_LEVELS:
        errors["level"] = [f"风险等级须为 {'/'.join(RISK_LEVELS)} (level must be one of {', '.join(RISK_LEVELS)})"]
    assessed_on = None
    try:
        assessed_on = date.fromisoformat(str(data.get("assessed_on") or ""))
        if assessed_on > today or assessed_on.year < 2000:
            errors["assessed_on"] = ["评估日期不能晚于今天或早于 2000 年 (assessment date out of range)"]
    except ValueError:
        errors["assessed_on"] = ["评估日期须为 YYYY-MM-DD (assessed_on must be a date)"]
    expression = str(data.get("expression") or "").strip()
    match = EXPRESSION.match(expression) if expression else None
    if expression and (match is None or RISK_LEVELS.get(level) != match.group(1)):
        errors["expression"] = ["分级表征须以与等级一致的“一般/较大/重大”开头，如 较大[较大-大气(Q2-M1-E2)] "
                                "(expression must start with the level's Chinese name)"]
    if errors or assessed_on is None:
        raise InvalidInput("invalid risk assessment", fields=errors)
    return level, assessed_on, expression


def history(session: Session, actor: Actor, enterprise_code: str) -> list[RiskAssessment]:
    """:raises NotFound: outside the actor's scope."""
    access.enterprise(session, actor, enterprise_code)
    return list(session.scalars(select(RiskAssessment).where(RiskAssessment.enterprise_code == enterprise_code)
                                .order_by(RiskAssessment.recorded_at.desc(), RiskAssessment.id.desc())))
