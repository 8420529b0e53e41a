"""一公开: only published results, searchable; officers' fields as configured; the monthly/annual report."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.errors import NotAllowed
from engine.inspection.onsite.process import local_date_today
from engine.inspection.onsite.publication import ResultQuery, published_results
from engine.reports import builders
from engine.reports import inspection as report
from engine.reports.period import Period
from engine.workflow import configs
from tests.engine.inspection.onsite.test_process import answered
from tests.support.actors import ADMIN, CITY_SZ, COUNTY_TIANHE, ENT_TIANHE
from tests.support.inspection import OFFICER_A, OFFICER_B, drawn_plan, start_inspection
from tests.support.processes import complete, later, sweep

pytestmark = pytest.mark.usefixtures("deployed")


def concluded(session: Session, tag: str, conclusion: str = "no_problem", publish: bool = True,
              campaign: bool = False, problem: bool = False) -> int:
    instance = start_inspection(session, drawn_plan(session, tag=tag, campaign=campaign))
    answered(session, instance, "problem" if problem else "ok")
    complete(session, OFFICER_A, instance.id, "onsite_record", {"unit_status": "operating", "findings": "检查情况"})
    complete(session, OFFICER_B, instance.id, "onsite_confirm", {"confirmation": "confirm"})
    extra = {"referred_to": "执法支队", "referral_reason": "涉嫌超标"} if conclusion == "refer" else {}
    complete(session, COUNTY_TIANHE, instance.id, "section_review", {"conclusion": conclusion, "opinion": "审", **extra})
    if publish:
        complete(session, COUNTY_TIANHE, instance.id, "publish", {"public_summary": f"{tag}检查结果"})
    return instance.id


def test_only_published_results_are_public_and_searchable(session: Session) -> None:
    concluded(session, "甲", "no_problem")
    concluded(session, "乙", "refer", problem=True)
    concluded(session, "丙", publish=False)
    found = published_results(session, ResultQuery())
    assert sorted(r.unit_name[-1] for r in found.results) == ["乙", "甲"] and found.total == 2
    assert [r.unit_name[-1] for r in published_results(session, ResultQuery(conclusion="refer")).results] == ["乙"]
    assert [r.unit_name[-1] for r in published_results(session, ResultQuery(unit="热电有限公司甲")).results] == ["甲"]
    assert published_results(session, ResultQuery(item="SJ-04")).total == 2
    assert published_results(session, ResultQuery(item="SJ-99")).total == 0
    today = local_date_today()
    assert published_results(session, ResultQuery(date_from=today - timedelta(days=1), date_to=today)).total == 2
    assert published_results(session, ResultQuery(date_from=today + timedelta(days=2))).total == 0
    assert published_results(session, ResultQuery(region="4403")).total == 0
    first = published_results(session, ResultQuery()).results[0]
    assert first.items == ["排污许可执行情况", "自动监控设施运行"] and first.summary.endswith("检查结果")


def test_officer_fields_follow_the_configuration(session: Session) -> None:
    concluded(session, "甲")
    officers = published_results(session, ResultQuery()).results[0].officers
    assert [set(o) for o in officers] == [{"name", "certificate_no"}] * 2 and officers[0]["name"] == "李执法"
    configs.change(session, ADMIN, "random_inspection", {**configs.current_values(session, "random_inspection"),
                                                         "public_officer_fields": ["name"]})
    assert published_results(session, ResultQuery()).results[0].officers == [{"name": "李执法"}, {"name": "王执法"}]
    configs.change(session, ADMIN, "random_inspection", {**configs.current_values(session, "random_inspection"),
                                                         "public_officer_fields": []})
    assert published_results(session, ResultQuery()).results[0].officers == []


def test_the_statistics_report_counts_per_region_class_and_campaign(session: Session) -> None:
    concluded(session, "甲", "no_problem")
    concluded(session, "乙", "refer", problem=True)
    concluded(session, "丙", campaign=True)
    start_inspection(session, drawn_plan(session, tag="丁", planned=local_date_today() - timedelta(days=1)))
    now = utcnow()
    figures = report.figures(session, COUNTY_TIANHE, Period(now.year, now.month), now + timedelta(hours=1))
    total = figures.total
    assert (total.due, total.done, total.referrals, total.published, total.published_in_time) == (4, 3, 1, 3, 3)
    assert total.overdue >= 1 and total.problem_rate == pytest.approx(1 / 3)
    assert (figures.random.due, figures.campaigns.due) == (3, 1)
    assert figures.by_class["key"].due == 3 and set(figures.by_county) == {"440106"}
    assert figures.plans == 3 and figures.campaign_plans == 1
    book = load_workbook(io.BytesIO(builders.build(session, COUNTY_TIANHE, "inspection_statistics",
                                                   Period(now.year, now.month))))
    assert book.sheetnames == ["概况", "按地市", "按区县", "按对象类别", "专项行动"]
    assert book["概况"]["A1"].value.startswith("双随机、一公开抽查统计月报")
    annual = load_workbook(io.BytesIO(builders.build(session, COUNTY_TIANHE, "inspection_statistics", Period(now.year))))
    assert "年度总结" in annual["概况"]["A1"].value
    assert builders.build(session, COUNTY_TIANHE, "inspection_statistics_pdf", Period(now.year)).startswith(b"%PDF")
    other = report.figures(session, CITY_SZ, Period(now.year, now.month))
    assert other.total.due == 0 and other.plans == 0, "another city's reviewer counts none of it"
    with pytest.raises(NotAllowed):
        report.figures(session, ENT_TIANHE, Period(now.year))


def test_a_publication_after_the_deadline_is_counted_late(session: Session) -> None:
    instance_id = concluded(session, "甲", publish=False)
    with later(days=40):
        sweep(session)
        complete(session, COUNTY_TIANHE, instance_id, "publish", {"public_summary": "迟到的公开"})
    now = utcnow()
    figures = report.figures(session, ADMIN, Period(now.year, now.month))
    assert (figures.total.published, figures.total.published_in_time, figures.total.in_time_rate) == (1, 0, 0.0)


def test_periods_outside_count_nothing(session: Session) -> None:
    concluded(session, "甲")
    assert report.figures(session, ADMIN, Period(2020, 1)).total.due == 0
