"""The demo seed starts every process of issue 3 in several states."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.credit.models import CreditObjection, CreditRating, CreditRepair
from engine.demo.accounts import DEMO_ENTERPRISES
from engine.demo.processes import seed_processes
from engine.emergency.models import EmergencyPlanFiling
from engine.evidence.filestore import LocalFileStore
from engine.support.models import SupportTicket
from engine.tax.models import TaxReview
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus

pytestmark = pytest.mark.usefixtures("deployed")


def test_every_process_has_demo_instances_in_several_states(session: Session, tmp_path: Path) -> None:
    seed_processes(session, DEMO_ENTERPRISES, "demo", LocalFileStore(tmp_path / "evidence"))
    rows = session.execute(select(ProcessInstance.process_key, ProcessInstance.status)).all()
    waiting = Counter(
        (key, step) for key, step in session.execute(
            select(HumanTask.process_key, HumanTask.spec_name).where(HumanTask.status == TaskStatus.READY)))
    assert Counter(key for key, _ in rows) == {"credit_objection": 2, "credit_repair": 2, "tax_review": 3,
                                               "emergency_plan_filing": 3, "support_ticket": 4}
    assert {key for key, status in rows if status == "completed"} == {
        "credit_objection", "credit_repair", "tax_review", "emergency_plan_filing", "support_ticket"}
    assert waiting == {
        ("credit_objection", "province_decide [child]"): 2, ("credit_repair", "district_opinion"): 1,
        ("tax_review", "county_review"): 2, ("emergency_plan_filing", "county_check"): 1,
        ("emergency_plan_filing", "submit"): 1, ("support_ticket", "triage"): 1, ("support_ticket", "investigate"): 1,
        ("support_ticket", "coordinate"): 1}
    assert sorted(o.status for o in session.scalars(select(CreditObjection))) == ["corrected", "open"]
    assert sorted(r.status for r in session.scalars(select(CreditRepair))) == ["open", "refused"]
    assert not any(t.role == "city_reviewer" for t in session.scalars(
        select(HumanTask).where(HumanTask.status == TaskStatus.READY)))
    assert sorted((r.year, r.status) for r in session.scalars(select(CreditRating))) == [
        (2024, "published"), (2024, "published"), (2025, "proposed"), (2025, "proposed")]
    assert sorted(r.status for r in session.scalars(select(TaxReview))) == ["answered", "open", "open"]
    assert sorted(f.status for f in session.scalars(select(EmergencyPlanFiling))) == ["filed", "returned", "submitted"]
    assert sorted(t.status for t in session.scalars(select(SupportTicket))) == ["assigned", "assigned", "closed", "open"]
