"""The closure loop's and the measurement store's scheduled jobs: what each run does to a real database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine.anomalies import jobs as anomaly_jobs
from engine.db import make_engine, make_session_factory
from engine.monitoring import jobs as monitoring_jobs
from engine.monitoring.models import AnomalyCase, MinuteMeasurement
from engine.monitoring.settings import MonitoringSettings
from engine.workflow import deployment as processes
from engine.workflow.bundle import bundled_model_files, read_model_file
from tests.conftest import BACKENDS
from tests.engine.monitoring.factories import air, ingestor, register
from tests.support.actors import ADMIN
from tests.support.databases import fresh_database

NOW = datetime.now(timezone.utc).replace(minute=30, second=0, microsecond=0)


@pytest.fixture(scope="module", params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker]:
    with fresh_database(request.param, tmp_path_factory.mktemp("jobs")) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            for path in bundled_model_files():
                processes.deploy(session, ADMIN, *read_model_file(path))
            register(session, since=NOW - timedelta(hours=5))
        yield factory
        engine.dispose()


def test_missing_data_job_opens_one_task_per_silent_point(sessions: sessionmaker) -> None:
    assert anomaly_jobs.run_missing_check(sessions, NOW) == 6  # two points, three hourly slots past the deadline
    assert anomaly_jobs.run_missing_check(sessions, NOW) == 0
    with sessions() as session:
        found = session.execute(select(AnomalyCase.factor, AnomalyCase.anomaly_type, AnomalyCase.anomaly_count)).all()
    assert sorted(found) == [("*", "missing", 3), ("*", "missing", 3)]


def test_purge_job_removes_short_term_data_past_its_retention(sessions: sessionmaker) -> None:
    with sessions.begin() as session:  # 70 days back, the whole month is past the 30 days' retention
        ingestor(NOW).ingest(session, [replace(air(0, cn=cn), data_time=NOW - timedelta(days=days))
                                       for cn, days in (("2011", 10), ("2011", 1), ("2051", 70), ("2051", 10))])
    purged = monitoring_jobs.run_purge(sessions, MonitoringSettings(realtime_retention_days=7,
                                                                    minute_retention_days=30), NOW)
    with sessions() as session:
        left = session.execute(select(MinuteMeasurement.cn, func.count()).group_by(MinuteMeasurement.cn)).all()
    assert sorted(left) == [("2011", 1), ("2051", 1)]
    if purged.partitions_dropped:  # PostgreSQL: the old month went with its partition, the real-time row by row
        assert purged.rows_deleted == 1
    else:
        assert purged.rows_deleted == 2
