"""Each enterprise's emergency-plan state: its latest filing, when the plan falls due for revision.

A filed plan expires ``plan_revision_years`` after it was filed (local date, Asia/Shanghai); it
is *expiring* within ``expiring_within_days`` of that day, *expired* after it. An enterprise
without a filed plan is *in progress* while a filing is open, else *none*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.emergency.models import EmergencyPlanFiling
from engine.emergency.risk.rules import RiskRules

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAN_STATES = ("current", "expiring", "expired", "in_progress", "none")
OPEN_FILING_STATES = ("submitted", "returned")


@dataclass(frozen=True)
class PlanState:
    status: str
    filing_number: str | None = None
    filed_on: date | None = None
    expires_on: date | None = None


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


def expiry(filed_at: datetime, years: int) -> date:
    """The local date a plan filed at ``filed_at`` falls due (29 February becomes 28 February)."""
    filed = filed_at.astimezone(SHANGHAI).date()
    try:
        return filed.replace(year=filed.year + years)
    except ValueError:
        return filed.replace(year=filed.year + years, day=28)


def states(session: Session, codes: Iterable[str], rules: RiskRules, today: date) -> dict[str, PlanState]:
    """The plan state of each enterprise in ``codes`` (every code gets one)."""
    wanted = list(dict.fromkeys(codes))
    out = {code: PlanState("none") for code in wanted}
    for chunk in (wanted[i:i + 900] for i in range(0, len(wanted), 900)):
        filings = session.scalars(select(EmergencyPlanFiling).where(EmergencyPlanFiling.enterprise_code.in_(chunk))
                                  .order_by(EmergencyPlanFiling.created_at))
        for filing in filings:
            out[filing.enterprise_code] = _next(out[filing.enterprise_code], filing, rules, today)
    return out


def _next(state: PlanState, filing: EmergencyPlanFiling, rules: RiskRules, today: date) -> PlanState:
    if filing.status == "filed" and filing.filed_at is not None:
        due = expiry(filing.filed_at, rules.plan_revision_years)
        status = ("expired" if due < today else
                  "expiring" if due <= today + timedelta(days=rules.expiring_within_days) else "current")
        if state.filed_on is None or filing.filed_at.astimezone(SHANGHAI).date() >= state.filed_on:
            return PlanState(status, filing.filing_number, filing.filed_at.astimezone(SHANGHAI).date(), due)
        return state
    if filing.status in OPEN_FILING_STATES and state.status in ("none", "expired"):
        return PlanState("in_progress", state.filing_number, state.filed_on, state.expires_on)
    return state
