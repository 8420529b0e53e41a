"""Stored report runs: generated for the requester's scope, listed and downloaded only within scope, retried."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, NotAllowed, NotFound
from engine.reports import runs
from engine.reports.models import ReportStatus
from tests.engine.reports import data
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    CITY_SZ,
    COUNTY_TIANHE,
    ENT_TIANHE,
    PROVINCE,
)


@pytest.fixture
def province(session: Session) -> data.Province:
    return data.build(session)


def test_a_city_run_is_generated_for_the_city_and_stored(session: Session, province: data.Province) -> None:
    run = runs.request(session, CITY_GZ, "tax_review_ledger", "2026-10")
    assert (run.status, run.region_code, run.attempts) == (ReportStatus.QUEUED, "440100", 0)
    runs.generate(session, run, now=data.NOW)
    assert run.status == ReportStatus.DONE and run.attempts == 1 and run.error == ""
    assert run.filename == "涉税复核台账_440100_2026-10.xlsx"
    stored = runs.get(session, CITY_GZ, run.id, with_content=True)
    assert stored.content is not None and hashlib.sha256(stored.content).hexdigest() == run.sha256
    sheet = load_workbook(BytesIO(stored.content))["复核台账"]
    assert [sheet.cell(r, 2).value for r in (3, 4, 5)] == [r.request_no for r in province.reviews]


def test_runs_are_visible_only_within_scope(session: Session, province: data.Province) -> None:
    city = runs.request(session, CITY_GZ, "support_table", "2026-10")
    whole = runs.request(session, PROVINCE, "support_table", "2026-10")
    assert whole.region_code == "440000"
    assert {r.id for r in runs.visible(session, PROVINCE)} >= {city.id, whole.id}
    assert {r.id for r in runs.visible(session, ADMIN)} >= {city.id, whole.id}
    assert city.id in {r.id for r in runs.visible(session, CITY_GZ)}
    assert whole.id not in {r.id for r in runs.visible(session, CITY_GZ)}
    for actor in (CITY_SZ, COUNTY_TIANHE):
        assert not {city.id, whole.id} & {r.id for r in runs.visible(session, actor)}
        with pytest.raises(NotFound):
            runs.get(session, actor, city.id)
    with pytest.raises(NotFound):
        runs.get(session, PROVINCE, 2**40)
    with pytest.raises(NotAllowed):
        runs.visible(session, ENT_TIANHE)


def test_bad_requests_name_the_field(session: Session) -> None:
    with pytest.raises(InvalidInput, match="kind"):
        runs.request(session, CITY_GZ, "unknown", "2026-10")
    with pytest.raises(InvalidInput, match="period"):
        runs.request(session, CITY_GZ, "monthly", "2026-1")
    with pytest.raises(NotAllowed):
        runs.request(session, ENT_TIANHE, "monthly", "2026-10")


def test_a_failing_run_is_kept_and_retried_up_to_the_limit(session: Session, province: data.Province) -> None:
    run = runs.request(session, ADMIN, "tax_sync", "2026-10", {"no_such_option": 1})
    runs.generate(session, run, now=data.NOW)
    assert run.status == ReportStatus.FAILED and "no_such_option" in run.error and run.content is None
    assert run.id not in {r.id for r in runs.pending(session, run.finished_at)}  # not before the pause
    later = run.finished_at + runs.RETRY_AFTER + timedelta(seconds=1)
    assert run.id in {r.id for r in runs.pending(session, later, limit=100)}
    for _ in range(runs.MAX_ATTEMPTS - 1):
        runs.generate(session, run, now=data.NOW)
    assert run.attempts == runs.MAX_ATTEMPTS
    assert run.id not in {r.id for r in runs.pending(session, later + timedelta(days=1), limit=100)}
