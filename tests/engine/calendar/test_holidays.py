"""The working-day calendar as data: seeding, admin entry of a year, the per-process cache, the warning."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.calendar import holidays as calendar
from engine.calendar.models import CalendarDay, CalendarSource, CalendarYear, DayKind
from engine.calendar.workdays import SHANGHAI
from engine.db import make_engine, make_session_factory
from engine.errors import InvalidInput, NotAllowed
from engine.workflow import configs, recompute
from engine.workflow.models import HumanTask
from tests.support.actors import ADMIN, PROVINCE
from tests.support.admin_app import admin_app  # noqa: F401  (a light web app per backend)
from tests.support.flows import start_anomaly
from tests.web.conftest import login
from web.cli import main

SPRING_2027 = [date(2027, 2, day) for day in range(6, 13)]  # a stand-in schedule: 02-06 .. 02-12 off
MAKEUP_2027 = [date(2027, 2, 14), date(2027, 2, 20)]  # Sunday and Saturday worked in exchange


def test_seed_is_idempotent_and_matches_the_package(session: Session) -> None:
    added = calendar.seed(session, ADMIN)
    assert added == calendar.package_years() and added[0] == 2004 and added[-1] == 2026
    assert calendar.seed(session, ADMIN) == []
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.seed"))
    assert event.payload["years"] == added
    current = calendar.current_calendar(session)
    assert current.known_years == set(added)
    assert current.is_workday(date(2026, 10, 10)) and not current.is_workday(date(2026, 10, 1))
    national_day = session.scalars(select(CalendarDay).where(CalendarDay.day == date(2026, 10, 1))).one()
    assert (national_day.kind, national_day.note) == (DayKind.HOLIDAY, "国庆节")
    assert session.get(CalendarYear, 2026).source == CalendarSource.PACKAGE


def test_before_any_seed_the_package_calendar_applies(session: Session) -> None:
    current = calendar.current_calendar(session)
    assert 2026 in current.known_years and 2027 not in current.known_years
    assert not current.is_workday(date(2026, 2, 17))


def test_entering_a_year_on_an_unseeded_database_keeps_the_package_years(session: Session) -> None:
    schedule = calendar.set_year(session, ADMIN, 2027, SPRING_2027, MAKEUP_2027, "国办发明电")
    assert (schedule.source, schedule.entered_by, schedule.note) == (CalendarSource.ADMIN, "admin", "国办发明电")
    assert schedule.holidays == tuple(SPRING_2027) and schedule.makeup_workdays == tuple(MAKEUP_2027)
    current = calendar.current_calendar(session)
    assert {2026, 2027} <= current.known_years
    assert not current.is_workday(date(2027, 2, 8)) and current.is_workday(date(2027, 2, 14))


def test_entering_a_year_replaces_it_and_is_audited(session: Session) -> None:
    calendar.seed(session, ADMIN)
    calendar.set_year(session, ADMIN, 2027, SPRING_2027, MAKEUP_2027)
    calendar.set_year(session, ADMIN, 2027, [date(2027, 1, 1)], [])
    current = calendar.current_calendar(session)
    assert current.is_workday(date(2027, 2, 8)) and not current.is_workday(date(2027, 1, 1))
    assert session.scalar(select(func.count()).select_from(CalendarDay).where(CalendarDay.year == 2027)) == 1
    first, second = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.set_year")
                                    .order_by(AuditEvent.seq))
    assert first.payload["before"] is None and len(first.payload["after"]["holidays"]) == 7
    assert second.payload["before"]["makeup_workdays"] == ["2027-02-14", "2027-02-20"]
    assert second.payload["after"] == {"source": "admin", "holidays": ["2027-01-01"], "makeup_workdays": []}
    assert audit.verify(session).ok


@pytest.mark.parametrize(("holidays", "makeup", "field", "phrase"), [
    ([date(2026, 12, 31)], [], "holidays", "not in 2027"),
    ([], [date(2027, 2, 10)], "makeup_workdays", "not a Saturday or Sunday"),
    ([date(2027, 2, 14)], [date(2027, 2, 14)], "makeup_workdays", "in both lists"),
], ids=["outside the year", "weekday make-up", "in both lists"])
def test_a_bad_schedule_is_refused_naming_the_field(
    session: Session, holidays: list[date], makeup: list[date], field: str, phrase: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        calendar.set_year(session, ADMIN, 2027, holidays, makeup)
    assert phrase in " ".join(caught.value.fields[field])
    assert session.get(CalendarYear, 2027) is None


def test_only_admins_change_the_calendar(session: Session) -> None:
    with pytest.raises(NotAllowed):
        calendar.set_year(session, PROVINCE, 2027, SPRING_2027, [])
    with pytest.raises(NotAllowed):
        calendar.seed(session, PROVINCE)


def test_the_cache_follows_the_database_stamp(session: Session) -> None:
    calendar.seed(session, ADMIN)
    first = calendar.current_calendar(session)
    assert calendar.current_calendar(session) is first  # unchanged: no rebuild
    calendar.set_year(session, ADMIN, 2027, SPRING_2027, [])
    second = calendar.current_calendar(session)
    assert second is not first and 2027 in second.known_years


def test_a_change_committed_by_one_worker_reaches_another(admin_app: Flask) -> None:  # noqa: F811
    url = admin_app.extensions["ecoloop.settings"].database_url
    engine_a, engine_b = make_engine(url), make_engine(url)
    worker_a, worker_b = make_session_factory(engine_a), make_session_factory(engine_b)
    with worker_a.begin() as session:
        calendar.seed(session, ADMIN)
    with worker_b() as session:
        assert not calendar.current_calendar(session).is_workday(date(2031, 2, 22))  # b builds and caches
    with worker_a.begin() as session:
        calendar.set_year(session, ADMIN, 2031, [date(2031, 1, 1)], [date(2031, 2, 22)])  # 2031 is nobody else's
    with worker_b() as session:
        assert calendar.current_calendar(session).is_workday(date(2031, 2, 22))
    engine_a.dispose()
    engine_b.dispose()


def test_the_warning_names_the_current_year_when_it_is_not_entered(session: Session) -> None:
    calendar.seed(session, ADMIN)
    assert recompute.unknown_years_warning(session, now=datetime(2026, 6, 1, tzinfo=SHANGHAI)) == []
    assert recompute.unknown_years_warning(session, now=datetime(2027, 1, 4, tzinfo=SHANGHAI)) == [2027]
    calendar.set_year(session, ADMIN, 2027, SPRING_2027, [])
    assert recompute.unknown_years_warning(session, now=datetime(2027, 1, 4, tzinfo=SHANGHAI)) == []


def test_calendar_commands(admin_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("ECOLOOP_DATABASE_URL", admin_app.extensions["ecoloop.settings"].database_url)
    runner = CliRunner()
    assert runner.invoke(main, ["calendar", "seed"], catch_exceptions=False).exit_code == 0
    again = runner.invoke(main, ["calendar", "seed"], catch_exceptions=False)
    assert again.exit_code == 0 and "years added: none" in again.output
    shown = runner.invoke(main, ["calendar", "show"], catch_exceptions=False)
    assert "2026  chinese-calendar" in shown.output and "2004  chinese-calendar" in shown.output
    recomputed = runner.invoke(main, ["calendar", "recompute"], catch_exceptions=False)
    assert recomputed.exit_code == 0 and "instances recomputed: 0" in recomputed.output


# --- the admin pages ------------------------------------------------------------------------------

def test_admin_enters_a_year_and_the_warning_goes(admin_app: Flask) -> None:  # noqa: F811
    # in December 2026, before the 2027 schedule is published (the warning also names an unentered current year)
    with time_machine.travel(datetime(2026, 12, 22, 10, 0, tzinfo=SHANGHAI), tick=True):
        sessions = admin_app.extensions["ecoloop.sessions"]
        with sessions.begin() as session:
            configs.change(session, ADMIN, "anomaly_closure", {"explain_workdays": 10})
            instance_id = start_anomaly(session, business_key="web-2027").id
        admin = login(admin_app, "admin")
        warned = admin.get("/admin/processes").get_data(as_text=True)
        assert 'id="calendar-warning"' in warned and "/admin/calendar/2027" in warned
        reviewer_page = login(admin_app, "county-440106").get("/tasks/")
        assert reviewer_page.status_code == 200 and 'id="calendar-warning"' not in reviewer_page.get_data(as_text=True)
        bad = admin.post("/admin/calendar/2027", {"holidays": "2027-01-01~2027-01-03", "makeup_workdays": "2027-01-04"})
        assert bad.status_code == 422 and "不是周末" in bad.get_data(as_text=True)
        saved = admin.post("/admin/calendar/2027", {"holidays": "2027-01-01~2027-01-03\n2027-02-06, 2027-02-07",
                                                    "makeup_workdays": "", "note": "国办发明电"})
        assert saved.status_code == 302
        listing = admin.get("/admin/calendar").get_data(as_text=True)
        assert "重新计算了 1 个事项的期限" in listing and 'data-year="2027"' in listing
        assert 'id="calendar-warning"' not in admin.get("/admin/processes").get_data(as_text=True)
        with sessions() as session:
            due = session.scalars(select(HumanTask.due_at).where(HumanTask.instance_id == instance_id)).one()
            assert due == datetime(2027, 1, 6, 23, 59, 59, tzinfo=SHANGHAI)  # not 01-05: New Year is off
            assert len(calendar.year_schedule(session, 2027).holidays) == 5  # type: ignore[union-attr]
        assert admin.get("/admin/calendar/year", query_string={"year": "2028"}).headers["Location"].endswith(
            "/admin/calendar/2028")
        assert login(admin_app, "county-440106").get("/admin/calendar").status_code == 403
