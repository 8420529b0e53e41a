"""The emergency monthly report's figures equal the stored records; the year's monitoring policy list."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.emergency.library import entries, review, seed
from engine.emergency.library.models import LibraryEntry, LibraryVersion
from engine.emergency.models import EmergencyPlanFiling
from engine.errors import NotAllowed
from engine.reports import emergency
from engine.reports.builders import build
from engine.reports.period import Period
from tests.support.actors import ADMIN, CITY_GZ, ENT_TIANHE, ENTERPRISE_TIANHE, PROVINCE
from tests.support.processes import complete

pytestmark = pytest.mark.usefixtures("deployed")
CHINA = emergency.PLAN_REVISION_YEARS and __import__("zoneinfo").ZoneInfo("Asia/Shanghai")


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
