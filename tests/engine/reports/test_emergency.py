"""The emergency monthly report's figures equal the stored records; the year's monitoring policy list."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.emergency.library import entries, review, seed
from engine.emergency.library.models import LibraryEntry, LibraryVersion
from engine.emergency.models import EmergencyPlanFiling
from engine.emergency.risk import assessments, substances
from engine.emergency.risk.models import RiskAssessment
from engine.monitoring.models import Enterprise
from engine.errors import NotAllowed
from engine.reports import emergency
from engine.reports.builders import build
from engine.reports.period import Period
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    ENT_TIANHE,
    ENTERPRISE_BAIYUN,
    ENTERPRISE_FUTIAN,
    ENTERPRISE_TIANHE,
    PROVINCE,
)
from tests.support.processes import complete

pytestmark = pytest.mark.usefixtures("deployed")
CHINA = ZoneInfo("Asia/Shanghai")


def _filing(session: Session, region: str, number: str, created: datetime, filed: datetime | None) -> None:
    session.add(EmergencyPlanFiling(instance_id=abs(hash(number)) % 10**8, enterprise_code=ENTERPRISE_TIANHE,
                                    region_code=region, status="filed" if filed else "submitted", plan_name=number,
                                    filing_number=number if filed else None, filed_at=filed, created_at=created))
    session.flush()


def test_monthly_figures_equal_the_stored_records(session: Session) -> None:
    seed.seed(session)
    chlorine = session.scalars(select(LibraryEntry).where(LibraryEntry.title == "氯")).one()
    revised = entries.revise(session, ADMIN, chlorine.id, {**entries.current(session, PROVINCE, chlorine.id).fields,
                                                           "name_en": "chlorine (Cl2)"})
    instance = review.submit(session, ADMIN, revised.id)
    complete(session, PROVINCE, instance.id, "review", {"decision": "publish"})
    now = datetime.now(CHINA)
    period = Period(now.year, now.month)
    _filing(session, "440106", "440106-X-001-L", now, now)
    _filing(session, "440111", "440111-X-002-L", now, None)
    _filing(session, "440106", "440106-X-003-L", now - timedelta(days=3 * 365 + 1), now.replace(year=now.year - 3))

    f = emergency.figures(session, PROVINCE, period)
    published = session.scalars(select(LibraryVersion).where(LibraryVersion.published_at >= period.start,
                                                             LibraryVersion.published_at < period.end)).all()
    assert sum(f.new_entries.values()) == sum(1 for v in published if v.number == 1)
    assert f.updated_entries["chemical"] == 1 and sum(f.updated_entries.values()) == 1
    assert f.new_entries["chemical"] == session.query(LibraryEntry).filter_by(library="chemical").count()
    assert (f.filings_submitted, f.filings_filed) == (2, 1)
    assert [p.filing_number for p in f.filings_expiring] == ["440106-X-003-L"]
    assert emergency.figures(session, CITY_GZ, period).filings_by_region.keys() == {"440106", "440111"}

    sheet = load_workbook(io.BytesIO(build(session, PROVINCE, "emergency_monthly", period)))["概况"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert values["危险化学品更新（条）"] == 1 and values["应急预案备案（件）"] == 1
    assert values["危险化学品新增（条）"] == f.new_entries["chemical"]
    assert build(session, PROVINCE, "emergency_monthly_pdf", period).startswith(b"%PDF")
    with pytest.raises(NotAllowed):
        emergency.figures(session, ENT_TIANHE, period)


def test_monitoring_policy_list_for_a_year(session: Session) -> None:
    seed.seed(session)
    numbers = [f["document_number"] for f in emergency.monitoring_policies(session, 2018)]
    assert "国家环境保护总局令第28号" in numbers and "HJ 212-2017" in numbers and "HJ 355-2019" not in numbers
    assert "环发〔2015〕4号" not in numbers  # emergency, not monitoring
    sheet = load_workbook(io.BytesIO(build(session, PROVINCE, "monitoring_policy_list", Period(2018))))
    assert sheet.active is not None and "2018年国家重点污染源自动监控政策文件清单" in str(sheet.worksheets[0]["A1"].value)


def _risk_sources(session: Session) -> None:
    """Tianhe rated 一般 then raised to 较大, Baiyun newly 重大, Futian (Shenzhen) storing chlorine unassessed."""
    session.add_all([Enterprise(credit_code=ENTERPRISE_TIANHE, name="天河化工", region_code="440106"),
                     Enterprise(credit_code=ENTERPRISE_BAIYUN, name="白云氯碱", region_code="440111"),
                     Enterprise(credit_code=ENTERPRISE_FUTIAN, name="福田电子", region_code="440304")])
    session.flush()
    today = datetime.now(CHINA).date()
    assessments.record(session, ADMIN, ENTERPRISE_TIANHE, {"level": "general", "assessed_on": "2024-01-02"}, today=today)
    assessments.record(session, ADMIN, ENTERPRISE_TIANHE, {"level": "larger", "assessed_on": today.isoformat()},
                       today=today)
    assessments.record(session, ADMIN, ENTERPRISE_BAIYUN, {"level": "major", "assessed_on": today.isoformat()},
                       today=today)
    substances.replace(session, ADMIN, ENTERPRISE_FUTIAN, [{"name": "氯", "max_quantity_t": 2}])


def test_risk_sources_by_city_level_and_change_equal_the_stored_records(session: Session) -> None:
    seed.seed(session)
    _risk_sources(session)
    now = datetime.now(CHINA)
    period = Period(now.year, now.month)
    f = emergency.figures(session, PROVINCE, period)
    stored = session.scalars(select(Enterprise)).all()
    expected = Counter((emergency.city_of(e.region_code), e.risk_level) for e in stored)
    assert {(c, lv): n for c, counter in f.risk_by_city.items() for lv, n in counter.items() if n} == dict(expected)
    recorded = session.scalars(select(RiskAssessment)).all()
    assert len(f.level_changes) == len(recorded) == 3
    assert f.changes_by_city["440100"] == Counter({"newly": 2, "raised": 1})
    assert f.city_work["440100"].assessments == 3 and f.city_work["440300"].substance_updates == 1
    assert f.plans_by_city["440300"]["none"] == 1
    assert emergency.figures(session, CITY_GZ, period).risk_by_city.keys() == {"440100"}

    book = load_workbook(io.BytesIO(build(session, PROVINCE, "emergency_monthly", period)))
    values = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if row[0]}
    assert values["环境风险源企业（家）"] == 3 and values["其中重大（家）"] == 1 and values["其中未评估（家）"] == 1
    assert values["本期风险等级上调（家）"] == 1
    rows = {row[0]: row[1:] for row in book["风险源按地市"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert rows["广州市"] == (1, 1, 0, 0, 2, 2, 1, 0, 0) and rows["深圳市"][3:5] == (1, 1)
    assert len([r for r in book["等级变化"].iter_rows(min_row=3, values_only=True) if r[0]]) == 3
    work = {row[0]: row[1:] for row in book["各地市工作"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert work["广州市"][4] == 3 and work["深圳市"][5] == 1


def test_the_annual_work_summary_adds_the_months(session: Session) -> None:
    seed.seed(session)
    _risk_sources(session)
    now = datetime.now(CHINA)
    book = load_workbook(io.BytesIO(build(session, PROVINCE, "emergency_annual", Period(now.year))))
    assert str(book["概况"]["A1"].value) == f"环境应急管理工作总结报告（{now.year}年）"
    months = [r for r in book["逐月"].iter_rows(min_row=3, values_only=True) if r[0] and str(r[0]).startswith(str(now.year))]
    assert len(months) == 12 and months[now.month - 1][3] == 3
    assert sum(m[3] for m in months) == 3
    assert build(session, PROVINCE, "emergency_annual_pdf", Period(now.year)).startswith(b"%PDF")
