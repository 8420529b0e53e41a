"""Enterprises and facts for the rating tests, with a small rule set whose results are computed by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session
from stdnum.cn import uscc

from engine.credit import facts
from engine.credit.facts import FactInput
from engine.emergency.models import EmergencyPlanFiling
from engine.monitoring.models import Enterprise
from tests.support.actors import ADMIN


def code(n: int) -> str:
    body = f"9144010{n:02d}MA59C8Q0"[:17]
    return body + uscc.calc_check_digit(body)


E1, E2, E3, E4, E5 = (code(n) for n in range(11, 16))
REGIONS = {E1: "440106", E2: "440106", E3: "440106", E4: "440111", E5: "440111"}


def rules_for_tests() -> dict[str, Any]:
    """Two groups of two indicators, one per rule kind (count, rate, presence, count zeroed by a penalty)."""
    return {
        "source": "测试规则",
        "groups": [
            {"key": "a", "label": "污染防治", "weight": 60, "indicators": [
                {"key": "complaints", "label": "投诉", "weight": 50,
                 "rule": {"kind": "count", "fact": "complaint_verified", "steps": [[0, 100], [1, 70], [3, 30]]}},
                {"key": "monitoring", "label": "传输率", "weight": 50,
                 "rule": {"kind": "rate", "fact": "effective_rate", "pass_line": 0.9, "pass_points": 100,
                          "fail_points": 40, "missing_points": 100}},
            ]},
            {"key": "b", "label": "环境管理", "weight": 40, "indicators": [
                {"key": "plan", "label": "应急预案", "weight": 50,
                 "rule": {"kind": "presence", "fact": "plan_current", "present_points": 100, "absent_points": 0}},
                {"key": "law", "label": "行政处罚", "weight": 50,
                 "rule": {"kind": "count", "fact": "penalty", "steps": [[0, 100]]}},
            ]},
        ],
        "levels": {"trustworthy": 90, "good": 75, "warning": 60},
        "veto": [{"fact": "incident_major"}],
        "downgrade": [{"fact": "incident_ordinary", "levels": 1}],
        "zero": [{"fact": "penalty", "indicator": "law"}],
        "scope": {"key_units_only": False, "lists": [], "exclude": [E5]},
    }


def plan(session: Session, enterprise: str, filed_at: datetime, n: int) -> None:
    session.add(EmergencyPlanFiling(instance_id=900000 + n, enterprise_code=enterprise, region_code=REGIONS[enterprise],
                                    status="filed", filing_number=f"440106-2025-{n:03d}-L", filed_at=filed_at))


def fact(session: Session, enterprise: str, kind: str, day: date, reference: str = "") -> None:
    facts.add(session, ADMIN, FactInput(enterprise, kind, day, reference or f"REF-{kind}"), "测试录入")


def world(session: Session) -> None:
    """E1 nothing; E2 plan, 2 complaints, an ordinary incident; E3 plan, a penalty, 3 complaints;
    E4 plan and a major incident; E5 out of scope. Facts of 2024 do not count for 2025."""
    for n, (enterprise, region) in enumerate(REGIONS.items()):
        session.add(Enterprise(credit_code=enterprise, name=f"测试企业{n + 1}", region_code=region))
    session.flush()
    filed = datetime(2025, 3, 1, tzinfo=timezone.utc)
    for n, enterprise in enumerate((E2, E3, E4), start=1):
        plan(session, enterprise, filed, n)
    plan(session, E1, filed - timedelta(days=365 * 4), 9)  # expired: not current
    for day in (date(2025, 2, 1), date(2025, 5, 1)):
        fact(session, E2, "complaint_verified", day)
    fact(session, E2, "incident_ordinary", date(2025, 6, 1))
    fact(session, E3, "penalty", date(2025, 4, 2), "粤环罚〔2025〕12号")
    for day in (date(2025, 1, 5), date(2025, 2, 5), date(2025, 3, 5)):
        fact(session, E3, "complaint_verified", day)
    fact(session, E4, "incident_major", date(2025, 8, 8))
    fact(session, E1, "incident_major", date(2024, 8, 8))  # last year's: no veto in 2025
    session.flush()
