"""The risk rules as data: defaults with their sources, bands, a new version only from an administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.emergency.risk import rules
from engine.errors import InvalidInput, NotAllowed
from tests.support.actors import ADMIN, PROVINCE


def test_defaults_band_q_as_hj_941(session: Session) -> None:
    current = rules.current(session)
    assert current.version == 0 and current.plan_revision_years == 3
    assert [current.band(q) for q in (None, 0.2, 1.0, 9.99, 10.0, 99.9, 100.0, 5000.0)] == \
        ["", "Q0", "Q1", "Q1", "Q2", "Q2", "Q3", "Q3"]
    assert current.band_label("Q2") == "10≤Q<100"
    assert "HJ 941-2018" in rules.SOURCE and "环发〔2015〕4号" in rules.SOURCE


def test_a_saved_version_changes_the_bands_and_is_audited(session: Session) -> None:
    saved = rules.save(session, ADMIN, {"q_bands": [1, 20, 200], "plan_revision_years": 2,
                                        "expiring_within_days": 30}, "省级口径")
    assert saved.version == 1 and rules.current(session).band(15) == "Q1"
    assert rules.current(session).plan_revision_years == 2
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "risk.rules_changed")).one()
    assert event.payload["before"]["q_bands"] == [1.0, 10.0, 100.0]
    assert [r.version for r in rules.history(session)] == [1]


@pytest.mark.parametrize(("params", "field"), [
    ({"q_bands": [10, 1, 100], "plan_revision_years": 3, "expiring_within_days": 90}, "q_bands"),
    ({"q_bands": [1, 10], "plan_revision_years": 3, "expiring_within_days": 90}, "q_bands"),
    ({"q_bands": [1, 10, 100], "plan_revision_years": 0, "expiring_within_days": 90}, "plan_revision_years"),
    ({"q_bands": [1, 10, 100], "plan_revision_years": 3}, "expiring_within_days"),
])
def test_bad_rules_name_the_field(session: Session, params: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.save(session, ADMIN, params, "")
    assert field in caught.value.fields
    assert rules.current(session).version == 0


def test_only_administrators_change_rules(session: Session) -> None:
    with pytest.raises(NotAllowed):
        rules.save(session, PROVINCE, dict(rules.DEFAULTS), "")
