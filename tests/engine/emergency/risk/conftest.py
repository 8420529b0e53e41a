"""Risk-source fixtures: enterprises of three counties in the register, the starter chemicals published."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

from engine.emergency.library import seed
from engine.emergency.models import EmergencyPlanFiling
from engine.monitoring.models import Enterprise
from tests.support.actors import ENTERPRISE_BAIYUN, ENTERPRISE_FUTIAN, ENTERPRISE_TIANHE


@pytest.fixture
def register(session: Session) -> dict[str, Enterprise]:
    """Tianhe (440106) and Baiyun (440111) in Guangzhou, Futian (440304) in Shenzhen; the chemicals seeded."""
    seed.seed(session)
    made = {code: Enterprise(credit_code=code, name=name, region_code=region)
            for code, name, region in ((ENTERPRISE_TIANHE, "天河化工有限公司", "440106"),
                                       (ENTERPRISE_BAIYUN, "白云氯碱有限公司", "440111"),
                                       (ENTERPRISE_FUTIAN, "福田电子有限公司", "440304"))}
    session.add_all(made.values())
    session.flush()
    return made


def filed(session: Session, code: str, region: str, when: datetime, number: str, status: str = "filed") -> None:
    session.add(EmergencyPlanFiling(instance_id=abs(hash(number)) % 2_000_000_000, enterprise_code=code,
                                    region_code=region, status=status, plan_name="应急预案", filing_number=number,
                                    filed_at=when if status == "filed" else None,
                                    created_at=when))
    session.flush()


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 4, tzinfo=timezone.utc)
