"""The monthly figures, computed in SQL, against the rows they come from, for each viewer's scope."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, NotAllowed
from engine.reports.figures import TaskGroup, figures, percentile
from engine.reports.period import Period
from tests.engine.reports import data
from tests.support.actors import ADMIN, CITY_GZ, CITY_SZ, COUNTY_TIANHE, ENT_TIANHE

OCTOBER = Period(2026, 10)


@pytest.fixture
def province(session: Session) -> data.Province:
    return data.build(session)


def test_tasks_per_region_and_process_for_a_city(session: Session, province: data.Province) -> None:
    f = figures(session, CITY_GZ, OCTOBER, now=data.NOW)
    # anomaly cases: 3 + 4 steps, tickets: 2 steps; the Baiyun county review was returned once and is overdue
    assert f.tasks_by_region == [TaskGroup("440100", opened=9, closed=7, returned=1, overdue=1)]
    assert {g.key: g.opened for g in f.tasks_by_process} == {"anomaly_closure": 7, "support_ticket": 2}
    assert {g.key: g.opened for g in f.tasks_by_industry} == {data.INCINERATION: 9}
    assert f.task_totals() == TaskGroup("合计", 9, 7, 1, 1)


def test_time_to_close_mean_and_p90(session: Session, province: data.Province) -> None:
    f = figures(session, CITY_GZ, OCTOBER, now=data.NOW)
    # closed in October in Guangzhou: the Tianhe case (72 h), ticket 1 (24 h), tax reviews (72 h and 480 h)
    (region,) = f.close_by_region
    assert (region.key, region.cases, region.mean_hours) == ("440100", 4, 162.0)
    assert region.p90_hours == pytest.approx(percentile([24.0, 72.0, 72.0, 480.0], 0.9)) == pytest.approx(357.6)
    by_process = {t.key: (t.cases, t.mean_hours) for t in f.close_by_process}
    assert by_process == {"anomaly_closure": (1, 72.0), "support_ticket": (1, 24.0), "tax_review": (2, 276.0)}


def test_handling_rates_credit_tax_plans_tickets(session: Session, province: data.Province) -> None:
    f = figures(session, CITY_GZ, OCTOBER, now=data.NOW)
    assert [(h.key, h.exceedances, h.handled) for h in f.handling] == [("440100", 2, 1)]
    assert f.handling_rate == 0.5
    assert f.objections == {"corrected": 1}
    assert f.tax == {"received": 3, "answered": 2, "within_15_days": 1}
    assert f.plans == {"submitted": 1, "filed": 1}
    assert f.tickets == {("数据采集传输", "assigned"): 1, ("数据采集传输", "closed"): 1}


def test_rates_and_enterprises_below_the_pass_line(session: Session, province: data.Province) -> None:
    f = figures(session, ADMIN, OCTOBER, now=data.NOW)
    by_city = {r.key: r for r in f.region_rates}
    assert set(by_city) == {"440100", "440300"}
    gz = by_city["440100"]
    assert gz.counts.expected == 2 * data.HOURS_IN_OCTOBER
    assert gz.counts.received == data.received_hours("tianhe") + data.received_hours("baiyun")
    assert gz.enterprises_below == 1
    assert [e.key for e in f.enterprises_below] == [province.enterprises["baiyun"].credit_code]
    assert f.enterprises_below[0].effective == pytest.approx(600 / 744)
    assert by_city["440300"].validity == pytest.approx(data.valid_values("futian") / (2 * data.HOURS_IN_OCTOBER))


def test_scope_leaves_out_other_regions(session: Session, province: data.Province) -> None:
    shenzhen = figures(session, CITY_SZ, OCTOBER, now=data.NOW)
    assert [g.key for g in shenzhen.tasks_by_region] == ["440300"]
    assert [h.key for h in shenzhen.handling] == ["440300"]
    assert shenzhen.tax == {"received": 0, "answered": 0, "within_15_days": 0}
    assert [r.key for r in shenzhen.region_rates] == ["440300"]
    county = figures(session, COUNTY_TIANHE, OCTOBER, now=data.NOW)
    assert county.task_totals() == TaskGroup("合计", 4, 4, 0, 0)  # the Tianhe case and ticket 1
    assert county.enterprises_below == []
    assert county.region == "440106"


def test_enterprise_accounts_get_no_report(session: Session, province: data.Province) -> None:
    with pytest.raises(NotAllowed):
        figures(session, ENT_TIANHE, OCTOBER, now=data.NOW)


def test_a_later_month_is_empty(session: Session, province: data.Province) -> None:
    f = figures(session, ADMIN, Period(2026, 9), now=data.NOW)
    assert f.task_totals() == TaskGroup("合计", 0, 0, 0, 0)
    assert f.handling == [] and f.tickets == {}


@pytest.mark.parametrize("text", ["2026-13", "26-10", "2026/10", "", "abcd"])
def test_bad_periods_name_the_field(text: str) -> None:
    with pytest.raises(InvalidInput, match="period"):
        Period.parse(text)


def test_periods() -> None:
    assert str(Period.parse("2026-10")) == "2026-10" and Period.parse("2026").month is None
    assert Period.parse("2026-12").end.year == 2027 and len(Period.parse("2026").months()) == 12
