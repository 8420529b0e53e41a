"""Every data-inspection rule against hand-made examples; reruns, clearing and the rule parameters as data."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.errors import InvalidInput, NotAllowed
from engine.exchange.datacheck import monitored, rules
from engine.exchange.datacheck.models import Finding, MonitoredMonth
from engine.exchange.datacheck.rule_defaults import DEFAULTS, RULES
from engine.exchange.datacheck.run import run_month
from engine.monitoring.models import Measurement
from tests.engine.exchange.datacheck.records import Records, credit_code
from tests.support.actors import ADMIN, COUNTY_TIANHE

MONTH = "2026-07"
AFTER_FILING = date(2026, 10, 16)  # Q3 returns are due by 15 October


def found(session: Session, rule: str) -> dict[str, str]:
    """subject → status of the rule's findings."""
    return {f.subject_key: f.status for f in session.scalars(
        select(Finding).where(Finding.rule == rule, Finding.period == MONTH))}


def run(session: Session, today: date = AFTER_FILING) -> None:
    run_month(session, ADMIN, MONTH, today=today, refresh_figures=False)


def test_declared_emissions_below_the_monitored_by_more_than_the_threshold(session: Session, records: Records) -> None:
    enterprise = records.enterprise(credit_code(1))
    point = records.point(enterprise, "DA001")
    records.taxpayer(credit_code(1))
    low = records.source(credit_code(1), "S-LOW", "DA001")
    records.monitored(point, MONTH, 1000.0)
    records.tax_return(low, MONTH, 899.0)  # 10.1 % below
    other = records.point(enterprise, "DA002")
    near = records.source(credit_code(1), "S-NEAR", "DA002")
    records.monitored(other, MONTH, 1000.0)
    records.tax_return(near, MONTH, 900.0)  # exactly 10 % below: within the threshold
    run(session)
    assert found(session, "declared_below_monitored") == {f"R-S-LOW/{MONTH}": "open"}
    finding = session.scalars(select(Finding).where(Finding.rule == "declared_below_monitored")).one()
    assert (finding.declared, finding.observed, finding.outlet_code, finding.region_code) == (
        899.0, 1000.0, "DA001", "440106")


def test_permitted_outlets_without_a_tax_source(session: Session, records: Records) -> None:
    enterprise = records.enterprise(credit_code(2))
    records.point(enterprise, "DA001")
    records.point(enterprise, "DA002")
    records.taxpayer(credit_code(2))
    records.source(credit_code(2), "S-2", "DA001")
    unpermitted = records.enterprise(credit_code(3), permit="")
    records.point(unpermitted, "DA001")
    records.taxpayer(credit_code(3))
    run(session)
    assert found(session, "outlets_without_source") == {f"{credit_code(2)}/DA002": "open"}


def test_a_tax_source_without_a_valid_permit(session: Session, records: Records) -> None:
    records.enterprise(credit_code(4), permit="")
    records.taxpayer(credit_code(4))
    records.source(credit_code(4), "S-NOPERMIT", "DA001", method="coefficient")
    records.enterprise(credit_code(5), permit_to=date(2026, 6, 30))  # expired before July
    records.taxpayer(credit_code(5))
    records.source(credit_code(5), "S-EXPIRED", "DA001", method="coefficient")
    records.enterprise(credit_code(6))
    records.taxpayer(credit_code(6))
    records.source(credit_code(6), "S-OK", "DA001", method="coefficient")
    run(session)
    assert found(session, "source_without_permit") == {"S-NOPERMIT": "open", "S-EXPIRED": "open"}


def test_a_month_with_monitoring_data_but_no_return_once_filing_closed(session: Session, records: Records) -> None:
    silent = records.enterprise(credit_code(7))
    records.monitored(records.point(silent, "DA001"), MONTH, 500.0)
    filer = records.enterprise(credit_code(8))
    records.monitored(records.point(filer, "DA001"), MONTH, 500.0)
    records.taxpayer(credit_code(8))
    records.tax_return(records.source(credit_code(8), "S-8", "DA001"), MONTH, 500.0)
    idle = records.enterprise(credit_code(9))
    records.monitored(records.point(idle, "DA001"), MONTH, 0.0, valid_days=0)
    run(session, today=date(2026, 10, 15))  # the last filing day
    assert found(session, "monitoring_without_return") == {}
    run(session)
    assert found(session, "monitoring_without_return") == {credit_code(7): "open"}


def test_a_concentration_above_the_limit_without_a_penalty(session: Session, records: Records) -> None:
    unpunished = records.enterprise(credit_code(10))
    records.point(unpunished, "DA001", factors={"a21026": 50.0})
    records.taxpayer(credit_code(10))
    records.tax_return(records.source(credit_code(10), "S-10", "DA001"), MONTH, 100.0, concentration=60.0)
    punished = records.enterprise(credit_code(11))
    records.point(punished, "DA001", factors={"a21026": 50.0})
    records.taxpayer(credit_code(11))
    records.tax_return(records.source(credit_code(11), "S-11", "DA001"), MONTH, 100.0, concentration=60.0)
    records.penalty(credit_code(11), date(2026, 3, 1))
    old = records.enterprise(credit_code(12))
    records.point(old, "DA001", factors={"a21026": 50.0})
    records.taxpayer(credit_code(12))
    records.tax_return(records.source(credit_code(12), "S-12", "DA001"), MONTH, 100.0, concentration=60.0)
    records.penalty(credit_code(12), date(2025, 6, 30))  # before the 12-month lookback
    within = records.enterprise(credit_code(13))
    records.point(within, "DA001", factors={"a21026": 50.0})
    records.taxpayer(credit_code(13))
    records.tax_return(records.source(credit_code(13), "S-13", "DA001"), MONTH, 100.0, concentration=50.0)
    run(session)
    assert found(session, "exceedance_without_penalty") == {f"R-S-10/{MONTH}": "open", f"R-S-12/{MONTH}": "open"}
    finding = session.scalars(select(Finding).where(Finding.rule == "exceedance_without_penalty",
                                                    Finding.subject_key == f"R-S-10/{MONTH}")).one()
    assert (finding.declared, finding.limit) == (60.0, 50.0)


def test_concentrations_declared_without_automatic_monitoring(session: Session, records: Records) -> None:
    enterprise = records.enterprise(credit_code(14))
    covered, thin, none = (records.point(enterprise, code) for code in ("DA001", "DA002", "DA003"))
    records.taxpayer(credit_code(14))
    records.monitored(covered, MONTH, 100.0, valid_days=20)
    records.monitored(thin, MONTH, 100.0, valid_days=0)
    for code in ("DA001", "DA002", "DA003"):
        records.tax_return(records.source(credit_code(14), f"S-{code}", code), MONTH, 100.0, concentration=20.0)
    records.tax_return(records.source(credit_code(14), "S-CALC", "DA004", method="coefficient"), MONTH, 100.0,
                       concentration=20.0)
    run(session)
    assert found(session, "declared_without_monitoring") == {f"R-S-DA002/{MONTH}": "open", f"R-S-DA003/{MONTH}": "open"}
    assert none is not None


def test_reruns_add_nothing_and_corrected_data_clears_findings(session: Session, records: Records) -> None:
    enterprise = records.enterprise(credit_code(15))
    point = records.point(enterprise, "DA001")
    records.taxpayer(credit_code(15))
    line = records.tax_return(records.source(credit_code(15), "S-15", "DA001"), MONTH, 10.0)
    records.monitored(point, MONTH, 1000.0)
    first = run_month(session, ADMIN, MONTH, today=AFTER_FILING, refresh_figures=False)
    again = run_month(session, ADMIN, MONTH, today=AFTER_FILING, refresh_figures=False)
    assert (first.new["declared_below_monitored"], again.new["declared_below_monitored"]) == (1, 0)
    line.emission_kg = 1000.0  # the tax side's correction
    session.flush()
    cleared = run_month(session, ADMIN, MONTH, today=AFTER_FILING, refresh_figures=False)
    assert cleared.cleared["declared_below_monitored"] == 1
    assert found(session, "declared_below_monitored") == {f"R-S-15/{MONTH}": "cleared"}
    runs = session.scalars(select(AuditEvent).where(AuditEvent.action == "exchange.inspection_run")).all()
    assert [e.payload["new"]["declared_below_monitored"] for e in runs] == [1, 0, 0]
    with pytest.raises(NotAllowed):
        run_month(session, COUNTY_TIANHE, MONTH, today=AFTER_FILING)
    with pytest.raises(InvalidInput) as bad:
        run_month(session, ADMIN, "2026-13", today=AFTER_FILING)
    assert list(bad.value.fields) == ["month"]


def test_thresholds_are_versioned_audited_data(session: Session, records: Records) -> None:
    assert rules.current(session).version == 0
    assert all(rules.source_of(rule) for rule in RULES)
    changed = {key: dict(values) for key, values in DEFAULTS.items()}
    changed["declared_below_monitored"]["threshold_percent"] = 30.0
    changed["outlets_without_source"]["enabled"] = False
    with pytest.raises(NotAllowed):
        rules.change(session, COUNTY_TIANHE, changed)
    bad = {key: dict(values) for key, values in changed.items()}
    bad["declared_below_monitored"]["threshold_percent"] = 130
    bad["monitoring_without_return"]["extra"] = 1
    del bad["source_without_permit"]
    with pytest.raises(InvalidInput) as refused:
        rules.change(session, ADMIN, bad)
    assert sorted(refused.value.fields) == ["declared_below_monitored.threshold_percent",
                                            "monitoring_without_return.extra", "source_without_permit"]
    version = rules.change(session, ADMIN, changed, note="按省局比对口径")
    assert (version.version, version.rule("declared_below_monitored")["threshold_percent"]) == (1, 30.0)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "exchange.rules_change")).one()
    assert event.payload["changed"] == {"declared_below_monitored.threshold_percent": [10.0, 30.0],
                                        "outlets_without_source.enabled": [True, False]}

    enterprise = records.enterprise(credit_code(16))
    point = records.point(enterprise, "DA001")
    records.point(enterprise, "DA002")  # no source: the disabled rule must not report it
    records.taxpayer(credit_code(16))
    records.tax_return(records.source(credit_code(16), "S-16", "DA001"), MONTH, 750.0)
    records.monitored(point, MONTH, 1000.0)  # 25 % below: within the new 30 %
    result = run_month(session, ADMIN, MONTH, today=AFTER_FILING, refresh_figures=False)
    assert result.rule_version == 1 and "outlets_without_source" not in result.found
    assert found(session, "declared_below_monitored") == {} and found(session, "outlets_without_source") == {}


CHINA = timezone(timedelta(hours=8))


def test_monthly_figures_come_from_the_measurement_store(session: Session, records: Records) -> None:
    enterprise = records.enterprise(credit_code(17))
    air = records.point(enterprise, "DA001")
    water = records.point(enterprise, "DW001", kind="water", factors={"w01018": 100.0})

    def measure(point_id: int, cn: str, at: datetime, factors: dict[str, dict[str, object]]) -> None:
        session.add(Measurement(point_id=point_id, cn=cn, data_time=at, factors=factors, n_factors=1, n_valid=1,
                                received_at=at, delay_s=0))

    first = datetime(2026, 7, 1, 0, tzinfo=CHINA)
    measure(air.id, "2061", first, {"a21026": {"avg": 10.0, "cou": 2.0, "flag": "N"}})
    measure(air.id, "2061", first + timedelta(hours=1), {"a21026": {"avg": 30.0, "cou": 4.0, "flag": "N"}})
    measure(air.id, "2061", first + timedelta(days=3), {"a21026": {"avg": 500.0, "cou": 90.0, "flag": "D"}})
    measure(air.id, "2061", first + timedelta(days=4), {"a21026": {"avg": 20.0, "cou": 3.0, "flag": "N"}})
    measure(air.id, "2061", first - timedelta(hours=1), {"a21026": {"avg": 99.0, "cou": 99.0, "flag": "N"}})  # June
    measure(water.id, "2031", first, {"w01018": {"avg": 40.0, "cou": 10.0, "flag": "N"}})
    measure(water.id, "2031", first + timedelta(days=1), {"w01018": {"avg": 60.0, "cou": 12.0, "flag": "N"}})
    session.flush()
    assert monitored.refresh(session, MONTH) == 2
    rows = {r.factor: r for r in session.scalars(select(MonitoredMonth).where(MonitoredMonth.month == MONTH))}
    assert (rows["a21026"].mean_concentration, rows["a21026"].emission_kg, rows["a21026"].valid_days,
            rows["a21026"].periods) == (20.0, 9.0, 2, 3)
    assert (rows["w01018"].mean_concentration, rows["w01018"].emission_kg, rows["w01018"].valid_days) == (
        50.0, 22.0, 2)
    assert monitored.refresh(session, MONTH) == 2  # recomputed, not added
