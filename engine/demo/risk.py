"""Demo risk sources: stored substances by industry and HJ 941 assessments for part of the demo province."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.emergency.risk import assessments, substances
from engine.emergency.risk.models import RiskSubstance
from engine.monitoring.models import Enterprise

log = logging.getLogger(__name__)

OFFICER = Actor("admin", frozenset({Role.ADMIN}), "440000", display_name="系统管理员")
# industry code → (substance, maximum tonnes on site); critical quantities come from the chemicals library
STORED_BY_INDUSTRY: dict[str, list[tuple[str, float]]] = {
    "C2614": [("氯", 12.0), ("氨", 30.0), ("甲醇", 200.0)],
    "D4411": [("氨", 25.0)],
    "D4417": [("氨", 8.0)],
    "D4620": [("氯", 4.0)],
    "C2710": [("甲醇", 300.0), ("丙酮", 120.0), ("甲苯", 80.0)],
    "C1713": [("乙酸乙酯", 40.0)],
}
# credit code → (level, assessment date, HJ 941 expression); the second Baiyun entry shows a change of level
ASSESSED: list[tuple[str, str, date, str]] = [
    ("91440311MA00000088", "major", date(2025, 9, 12), "重大[重大-大气(Q2-M2-E1)+较大-水(Q2-M2-E2)]"),
    ("91440111MA0000018Y", "general", date(2024, 4, 8), "一般[一般-大气(Q1-M1-E3)+一般-水(Q1-M1-E3)]"),
    ("91440111MA0000018Y", "larger", date(2026, 11, 20), "较大[较大-大气(Q1-M2-E1)+一般-水(Q1-M1-E3)]"),
    ("91441900MA0000028P", "larger", date(2026, 3, 2), "较大[较大-大气(Q1-M2-E2)+较大-水(Q1-M2-E2)]"),
    ("91440106MA59C8Q0XW", "larger", date(2026, 7, 15), "较大[较大-大气(Q1-M2-E1)+一般-水(Q0)]"),
    ("91440604MA0000009N", "general", date(2025, 12, 1), ""),
    ("91440113MA0000003B", "general", date(2026, 5, 20), ""),
    ("91440705MA0000048B", "larger", date(2026, 10, 9), ""),
]


def seed_risk_sources(session: Session, *, today: date) -> None:
    """Idempotent: does nothing once any substance is stored."""
    if session.scalar(select(RiskSubstance.id).limit(1)) is not None:
        return
    for enterprise in session.scalars(select(Enterprise).order_by(Enterprise.credit_code)):
        stored = STORED_BY_INDUSTRY.get(enterprise.industry_code)
        if stored:
            substances.replace(session, OFFICER, enterprise.credit_code,
                               [{"name": name, "max_quantity_t": tonnes} for name, tonnes in stored])
    for code, level, assessed_on, expression in ASSESSED:
        if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is not None:
            assessments.record(session, OFFICER, code, {"level": level, "assessed_on": assessed_on.isoformat(),
                                                        "expression": expression}, today=today)
    log.info("demo risk sources seeded")
