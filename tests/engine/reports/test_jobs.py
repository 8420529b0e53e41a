"""The report jobs: the month's runs queued once, generated and committed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker, undefer

from engine.db import make_engine, make_session_factory
from engine.regions import region_tree
from engine.reports import jobs as report_jobs
from engine.reports.models import ReportRun, ReportStatus
from tests.conftest import BACKENDS
from tests.engine.reports import data
from tests.support.databases import fresh_database

CHINA = timezone(timedelta(hours=8))
FIRST = datetime(2026, 11, 1, 8, 0, tzinfo=CHINA)


@pytest.fixture(scope="module", params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker]:
    with fresh_database(request.param, tmp_path_factory.mktemp("reports")) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            data.build(session)
        yield factory
        engine.dispose()


def test_monthly_reports_are_queued_once_and_generated(sessions: sessionmaker) -> None:
    attempted = report_jobs.queue_and_process(sessions, lambda: FIRST)
    regions = 1 + len(region_tree().cities())
    assert attempted == 2 * regions
    report_jobs.queue_and_process(sessions, lambda: FIRST + timedelta(minutes=5))  # a second run queues nothing
    with sessions.begin() as session:
        counts = dict(session.execute(select(ReportRun.status, func.count()).where(
            ReportRun.period == "2026-10").group_by(ReportRun.status)).all())
        assert counts == {ReportStatus.DONE: 2 * regions}
        run = session.scalar(select(ReportRun).options(undefer(ReportRun.content)).where(
            ReportRun.kind == "monthly", ReportRun.region_code == "440100"))
        assert run is not None and run.scheduled and run.content is not None
        book = load_workbook(BytesIO(run.content))
        figures = {book["概况"].cell(r, 1).value: book["概况"].cell(r, 2).value for r in range(3, 20)}
        assert figures["新增任务（个）"] == 9 and figures["超标处理率"] == 0.5
        pdf = session.scalar(select(ReportRun).options(undefer(ReportRun.content)).where(
            ReportRun.kind == "monthly_pdf", ReportRun.region_code == "440300"))
        assert pdf is not None and pdf.content is not None and pdf.content.startswith(b"%PDF")


def test_the_emergency_monthly_report_is_queued_for_the_province_and_each_city(sessions: sessionmaker) -> None:
    attempted = report_jobs.queue_emergency_monthly(sessions, lambda: FIRST)
    regions = 1 + len(region_tree().cities())
    assert attempted == 2 * regions
    assert report_jobs.queue_emergency_monthly(sessions, lambda: FIRST + timedelta(minutes=5)) == 0
    with sessions.begin() as session:
        done = session.scalars(select(ReportRun).options(undefer(ReportRun.content)).where(
            ReportRun.kind == "emergency_monthly", ReportRun.period == "2026-10")).all()
        assert len(done) == regions and all(r.status == ReportStatus.DONE and r.scheduled for r in done)
        province = next(r for r in done if r.region_code == "440000")
        assert province.content is not None
        assert "省级环境应急业务数据月报（2026年10月）" in str(load_workbook(BytesIO(province.content))["概况"]["A1"].value)
