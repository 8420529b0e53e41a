"""Admins edit rule parameters and factor limits; every change is checked and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.errors import InvalidInput, NotAllowed
from engine.monitoring import registry, rules
from engine.monitoring.models import PointFactor
from engine.monitoring.registry import PointDirectory
from tests.engine.monitoring.factories import AIR_MN, air, ingestor, register
from tests.support.actors import ADMIN, COUNTY_TIANHE


def test_rule_change_is_audited_with_before_and_after(session: Session) -> None:
    rules.update_rule(session, ADMIN, "zero", {"enabled": True, "count": 5})
    assert rules.load_book(session).rule("zero")["count"] == 5
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.rule_change")).one()
    assert event.payload == {"rule": "zero", "before": {"enabled": True, "count": 3},
                             "after": {"enabled": True, "count": 5}}


@pytest.mark.parametrize(("key", "params", "field"), [
    ("zero", {"enabled": True, "count": 0}, "count"),
    ("zero", {"enabled": "yes", "count": 3}, "enabled"),
    ("constant", {"enabled": True, "count": 6}, "tolerance"),
    ("flag", {"enabled": True, "flags": ["X"]}, "flags"),
    ("rates", {"cn": "2061", "validity_denominator": "all", "timeliness_deadline_minutes": 60, "pass_line": 0.9},
     "validity_denominator"),
    ("sudden_change", {"enabled": True, "ratio": 2.0, "min_delta": 0.0, "bogus": 1}, "bogus"),
])
def test_bad_parameters_name_the_field(session: Session, key: str, params: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.update_rule(session, ADMIN, key, params)
    assert field in caught.value.fields


def test_only_admins_change_rules_and_limits(session: Session) -> None:
    register(session)
    factor = session.scalars(select(PointFactor)).first()
    with pytest.raises(NotAllowed):
        rules.update_rule(session, COUNTY_TIANHE, "zero", {"enabled": False, "count": 3})
    with pytest.raises(NotAllowed):
        registry.update_factor(session, COUNTY_TIANHE, factor.id, limits={}, rule_params={})
    with pytest.raises(NotAllowed):
        rules.rule_table(session, COUNTY_TIANHE)


def test_factor_limits_and_overrides_change_what_is_found(session: Session) -> None:
    register(session)
    so2 = session.scalars(select(PointFactor).where(PointFactor.code == "a21026")).one()
    assert ingestor().ingest(session, [air(0, so2=30.0)])[0].anomalies == []
    registry.update_factor(session, ADMIN, so2.id, limits={"upper_limit": 25.0, "range_upper": 200.0},
                           rule_params={"sudden_change": {"enabled": False}})
    assert ingestor().ingest(session, [air(1, so2=28.0)])[0].anomalies == ["a21026:exceedance"]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.factor_change")).one()
    assert event.payload["before"]["upper_limit"] == 35.0 and event.payload["after"]["upper_limit"] == 25.0
    assert event.payload["after"]["rule_params"] == {"sudden_change": {"enabled": False}}
    with pytest.raises(InvalidInput) as caught:
        registry.update_factor(session, ADMIN, so2.id, limits={}, rule_params={"zero": {"count": "many"}})
    assert "rule_params.zero.count" in caught.value.fields


def test_directory_serves_cached_points_until_ttl(session: Session) -> None:
    register(session)
    clock = [0.0]
    directory = PointDirectory(ttl=60.0, clock=lambda: clock[0])
    before = directory.lookup(session, [AIR_MN])[AIR_MN]
    factor = session.scalars(select(PointFactor).where(PointFactor.code == "a21026")).one()
    registry.update_factor(session, ADMIN, factor.id, limits={"upper_limit": 1.0}, rule_params={})
    clock[0] = 59.0
    assert directory.lookup(session, [AIR_MN])[AIR_MN] is before  # within the TTL
    clock[0] = 61.0
    assert directory.lookup(session, [AIR_MN])[AIR_MN].factors["a21026"].upper_limit == 1.0
