"""Classes computed from credit, risk, penalty, key-unit list and complaint data; manual adjustment audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.credit.models import CreditFact, CreditRating
from engine.errors import InvalidInput, NotFound
from engine.inspection import classes
from engine.inspection.models import ClassChange, InspectionObject
from engine.monitoring.models import ListMembership
from tests.engine.inspection.world import BAIYUN, ORGANISER, unit
from tests.support.actors import ADMIN

TODAY = date(2026, 12, 7)


def _fact(session: Session, obj: InspectionObject, kind: str, days_ago: int) -> None:
    session.add(CreditFact(enterprise_code=obj.enterprise_code, kind=kind, occurred_on=TODAY - timedelta(days=days_ago),
                           source="测试", entered_by="admin"))


def _rating(session: Session, obj: InspectionObject, level: int, status: str = "published") -> None:
    session.add(CreditRating(enterprise_code=obj.enterprise_code, region_code=obj.region_code, year=2025,
                             level=level, status=status, assessing_level="county", deciding_level="city"))


def _classified(session: Session, *objects: InspectionObject) -> list[str]:
    session.flush()
    classes.recompute(session, ADMIN, TODAY)
    return [session.get(InspectionObject, o.id).object_class for o in objects]  # type: ignore[union-attr]


def test_penalties_and_complaints_within_the_window_make_an_object_special(session: Session) -> None:
    recent, old, complained, once = (unit(session) for _ in range(4))
    _fact(session, recent, "penalty", 100)
    _fact(session, old, "penalty", 400)
    for days in (10, 200):
        _fact(session, complained, "complaint_verified", days)
    _fact(session, once, "complaint_verified", 10)
    assert _classified(session, recent, old, complained, once) == ["special", "general", "special", "general"]
    assert any("行政处罚" in reason for reason in recent.class_reasons)


def test_credit_rating_and_risk_level_set_the_class(session: Session) -> None:
    red, blue, proposed_red = unit(session), unit(session), unit(session)
    major, larger = unit(session, risk_level="major"), unit(session, risk_level="larger")
    _rating(session, red, 4)
    _rating(session, blue, 2)
    _rating(session, proposed_red, 4, status="proposed")  # only published ratings count
    assert _classified(session, red, blue, proposed_red, major, larger) == [
        "special", "general", "general", "special", "key"]
    assert red.class_reasons == ["2025 年度信用评价为环保不良企业"]


def test_a_key_unit_list_membership_makes_an_object_key(session: Session) -> None:
    listed, stale = unit(session), unit(session)
    session.add(ListMembership(enterprise_id=listed.enterprise_id, year=2026, medium="water"))
    session.add(ListMembership(enterprise_id=stale.enterprise_id, year=2020, medium="air"))
    assert _classified(session, listed, stale) == ["key", "general"]


def test_a_manual_adjustment_needs_a_reason_survives_recomputation_and_is_audited(session: Session) -> None:
    obj = unit(session)
    _classified(session, obj)
    with pytest.raises(InvalidInput) as refused:
        classes.adjust(session, ORGANISER, obj.id, "key", " ")
    assert "reason" in refused.value.fields
    classes.adjust(session, ORGANISER, obj.id, "key", "群众反映夜间偷排，列为重点")
    assert _classified(session, obj) == ["key"]
    assert obj.computed_class == "general" and obj.override_by == ORGANISER.username
    classes.adjust(session, ORGANISER, obj.id, None, "核查后恢复")
    assert obj.object_class == "general"
    changes = session.scalars(select(ClassChange).where(ClassChange.object_id == obj.id, ClassChange.manual)).all()
    assert [(c.from_class, c.to_class) for c in changes] == [("general", "key"), ("key", "general")]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.class_adjust")).all()
    assert [e.payload["to"] for e in events if e.payload["key"] == obj.id] == ["key", "general"]


def test_another_countys_reviewer_cannot_adjust(session: Session) -> None:
    obj = unit(session, BAIYUN)
    with pytest.raises(NotFound):
        classes.adjust(session, ORGANISER, obj.id, "special", "理由")
