"""Risk-source enterprises: stored substances and Q, assessments, plan states, the scoped table and regions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.emergency.risk import assessments, plans, registry, rules, substances
from engine.emergency.risk.registry import Filters
from engine.errors import InvalidInput, NotAllowed, NotFound
from engine.monitoring.models import Enterprise
from tests.engine.emergency.risk.conftest import filed, utc
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    CITY_SZ,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_TIANHE,
    ENTERPRISE_BAIYUN,
    ENTERPRISE_FUTIAN,
    ENTERPRISE_TIANHE,
    PROVINCE,
)

TODAY = date(2026, 12, 7)


def test_q_is_the_sum_of_quantity_over_critical_quantity_with_library_defaults(
        session: Session, register: dict[str, Enterprise]) -> None:
    saved = substances.replace(session, COUNTY_TIANHE, ENTERPRISE_TIANHE, [
        {"name": "氯", "max_quantity_t": "12.5"},                       # library: 5 t, CAS filled in
        {"name": "液氨", "max_quantity_t": 30},                          # an alias of 氨: 10 t
        {"name": "某混合溶剂", "max_quantity_t": 50, "critical_quantity_t": 100, "critical_basis": "HJ 941-2018 附录A"},
    ])
    by_name = {s.name: s for s in saved}
    assert by_name["氯"].critical_quantity_t == 5 and by_name["氯"].cas == "7782-50-5"
    assert by_name["液氨"].critical_quantity_t == 10 and by_name["液氨"].cas == "7664-41-7"
    q = substances.q_ratio(saved)
    assert q == pytest.approx(12.5 / 5 + 30 / 10 + 50 / 100)
    assert rules.current(session).band(q) == "Q1"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "risk.substances_saved")).one()
    assert event.payload["enterprise"] == ENTERPRISE_TIANHE and event.payload["q"] == pytest.approx(q)


def test_bad_substances_name_row_and_field_and_write_nothing(session: Session, register: dict[str, Enterprise]) -> None:
    with pytest.raises(InvalidInput) as caught:
        substances.replace(session, ADMIN, ENTERPRISE_TIANHE, [
            {"name": "氯", "max_quantity_t": "-1"}, {"name": "未知物", "max_quantity_t": 1},
            {"name": "苯", "cas": "71-43-3", "max_quantity_t": 1}])
    assert set(caught.value.fields) == {"substances[1].max_quantity_t", "substances[2].critical_quantity_t",
                                        "substances[3].cas"}
    assert substances.stored(session, ENTERPRISE_TIANHE) == []


def test_writing_is_scoped_to_the_covering_bureaus(session: Session, register: dict[str, Enterprise]) -> None:
    with pytest.raises(NotFound):
        substances.replace(session, COUNTY_BAIYUN, ENTERPRISE_TIANHE, [{"name": "氯", "max_quantity_t": 1}])
    with pytest.raises(NotAllowed):
        substances.replace(session, ENT_TIANHE, ENTERPRISE_TIANHE, [{"name": "氯", "max_quantity_t": 1}])
    substances.replace(session, CITY_GZ, ENTERPRISE_TIANHE, [{"name": "氯", "max_quantity_t": 1}])
    assert [s.name for s in substances.of(session, ENT_TIANHE, ENTERPRISE_TIANHE)] == ["氯"]


def test_an_assessment_sets_the_register_level_and_keeps_the_previous(
        session: Session, register: dict[str, Enterprise]) -> None:
    substances.replace(session, ADMIN, ENTERPRISE_BAIYUN, [{"name": "氯", "max_quantity_t": 60}])
    first = assessments.record(session, COUNTY_BAIYUN, ENTERPRISE_BAIYUN, {
        "level": "larger", "assessed_on": "2025-03-01", "expression": "较大[较大-大气(Q2-M1-E2)+一般-水(Q1-M1-E3)]"},
        today=TODAY)
    second = assessments.record(session, ADMIN, ENTERPRISE_BAIYUN, {"level": "major", "assessed_on": "2026-11-02"},
                                today=TODAY)
    enterprise = register[ENTERPRISE_BAIYUN]
    assert (enterprise.risk_level, enterprise.risk_assessed_on) == ("major", date(2026, 11, 2))
    assert first.q_value == pytest.approx(12) and (first.previous_level, second.previous_level) == ("", "larger")
    assert [a.level for a in assessments.history(session, CITY_GZ, ENTERPRISE_BAIYUN)] == ["major", "larger"]


@pytest.mark.parametrize(("data", "field"), [
    ({"level": "high", "assessed_on": "2026-01-01"}, "level"),
    ({"level": "general", "assessed_on": "2027-01-01"}, "assessed_on"),
    ({"level": "general", "assessed_on": "2026/01/01"}, "assessed_on"),
    ({"level": "general", "assessed_on": "2026-01-01", "expression": "较大[较大-大气(Q2-M1-E2)]"}, "expression"),
])
def test_bad_assessments_name_the_field(session: Session, register: dict[str, Enterprise],
                                        data: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        assessments.record(session, ADMIN, ENTERPRISE_TIANHE, data, today=TODAY)
    assert field in caught.value.fields and register[ENTERPRISE_TIANHE].risk_level == ""


def test_plan_states_follow_the_revision_period(session: Session, register: dict[str, Enterprise]) -> None:
    current = rules.current(session)
    filed(session, ENTERPRISE_TIANHE, "440106", utc(2024, 6, 1), "440106-2024-001-M")
    filed(session, ENTERPRISE_BAIYUN, "440111", utc(2023, 12, 20), "440111-2023-001-L")
    filed(session, ENTERPRISE_FUTIAN, "440304", utc(2023, 5, 1), "440304-2023-001-L")
    filed(session, ENTERPRISE_FUTIAN, "440304", utc(2026, 11, 30), "open", status="submitted")
    states = plans.states(session, register, current, TODAY)
    assert states[ENTERPRISE_TIANHE] == plans.PlanState("current", "440106-2024-001-M", date(2024, 6, 1),
                                                        date(2027, 6, 1))
    assert states[ENTERPRISE_BAIYUN].status == "expiring" and states[ENTERPRISE_BAIYUN].expires_on == date(2026, 12, 20)
    assert states[ENTERPRISE_FUTIAN].status == "in_progress"
    assert plans.expiry(utc(2024, 2, 29), 3) == date(2027, 2, 28)


def test_the_table_is_scoped_filtered_and_counts_by_region(session: Session, register: dict[str, Enterprise]) -> None:
    substances.replace(session, ADMIN, ENTERPRISE_TIANHE, [{"name": "氯", "max_quantity_t": 100}])   # Q 20 → Q2
    assessments.record(session, ADMIN, ENTERPRISE_BAIYUN, {"level": "general", "assessed_on": "2026-01-05"},
                       today=TODAY)
    substances.replace(session, ADMIN, ENTERPRISE_FUTIAN, [{"name": "氨", "max_quantity_t": 1}])     # Q 0.1 → Q0
    filed(session, ENTERPRISE_TIANHE, "440106", utc(2025, 1, 1), "440106-2025-001-M")

    def codes(actor: object, **filters: str) -> list[str]:
        return [s.credit_code for s in registry.all_sources(session, actor, Filters(**filters), today=TODAY)]  # type: ignore[arg-type]

    assert codes(PROVINCE) == [ENTERPRISE_TIANHE, ENTERPRISE_BAIYUN, ENTERPRISE_FUTIAN]
    assert codes(CITY_GZ) == [ENTERPRISE_TIANHE, ENTERPRISE_BAIYUN] and codes(CITY_SZ) == [ENTERPRISE_FUTIAN]
    assert codes(COUNTY_TIANHE) == [ENTERPRISE_TIANHE] and codes(ENT_TIANHE) == [ENTERPRISE_TIANHE]
    assert codes(PROVINCE, band="Q2") == [ENTERPRISE_TIANHE] and codes(PROVINCE, level="general") == [ENTERPRISE_BAIYUN]
    assert codes(PROVINCE, plan_status="none") == [ENTERPRISE_BAIYUN, ENTERPRISE_FUTIAN]
    assert codes(PROVINCE, region_code="440300") == [ENTERPRISE_FUTIAN] and codes(PROVINCE, text="氯碱") == [ENTERPRISE_BAIYUN]
    with pytest.raises(InvalidInput) as caught:
        codes(PROVINCE, band="Q9")
    assert "band" in caught.value.fields
    rows = {r.code: r for r in registry.region_summary(session, CITY_GZ, "440100", today=TODAY)}
    assert rows["440106"].total == 1 and rows["440106"].by_band["Q2"] == 1
    assert rows["440111"].by_level["general"] == 1 and rows["440103"].total == 0
    assert sum(r.total for r in registry.region_summary(session, CITY_GZ, "440000", today=TODAY)) == 2
    assert [r.code for r in registry.region_summary(session, PROVINCE, "440106", today=TODAY)] == ["440106"]


def test_a_chemical_shows_the_enterprises_storing_it_within_scope(
        session: Session, register: dict[str, Enterprise]) -> None:
    substances.replace(session, ADMIN, ENTERPRISE_TIANHE, [{"name": "液氯", "cas": "7782-50-5", "max_quantity_t": 8}])
    substances.replace(session, ADMIN, ENTERPRISE_FUTIAN, [{"name": "氯", "max_quantity_t": 3}])
    stored = registry.storing(session, PROVINCE, "7782-50-5", ["氯", "氯气", "液氯"], today=TODAY)
    assert [(s.credit_code, h.max_quantity_t) for s, h in stored] == [(ENTERPRISE_TIANHE, 8), (ENTERPRISE_FUTIAN, 3)]
    assert [s.credit_code for s, _ in registry.storing(session, CITY_SZ, "7782-50-5", ["氯"], today=TODAY)] == \
        [ENTERPRISE_FUTIAN]
