"""The statutory working-day calendar as data: seeded from chinese-calendar, edited by admins, cached per process.

The calendar lives in ``calendar_years`` (the years whose schedule is known) and
``calendar_days`` (their holidays and make-up working days). A year without a row
is *unknown*: deadlines through it count weekends only and are provisional
(``engine/calendar/workdays.py``). ``chinese-calendar`` knows the years up to its release
(2004–2026 for 1.11); later years are entered by an administrator when the State
Council publishes them, which recomputes the provisional deadlines
(:func:`engine.workflow.recompute.enter_year`).

Each process caches the calendar it built under the random ``stamp`` of the
``calendar_state`` row; every change draws a new stamp, so all web workers and
schedulers pick the change up at their next evaluation. Before the first seed or
edit the table is empty and the calendar is the installed package's.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chinese_calendar import constants as package_data
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM, Actor
from engine.audit import trail as audit
from engine.calendar.models import (
    CalendarDay,
    CalendarSource,
    CalendarState,
    CalendarYear,
    DayKind,
)
from engine.calendar.workdays import WorkdayCalendar, from_chinese_calendar
from engine.db import utcnow
from engine.errors import InvalidInput, NotAllowed

log = logging.getLogger(__name__)

STATE_ID = 1
PACKAGE_STAMP = "package"
MIN_YEAR, MAX_YEAR = 2000, 2100
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

_cache_lock = threading.Lock()
_cache: dict[str, WorkdayCalendar] = {}
_CACHE_SIZE = 8


@dataclass(frozen=True)
class YearSchedule:
    """One year's entry: its holidays and make-up working days, and who entered it."""

    year: int
    source: str
    note: str
    entered_by: str
    entered_at: datetime
    holidays: tuple[date, ...]
    makeup_workdays: tuple[date, ...]


def package_years() -> list[int]:
    """The years the installed chinese-calendar package has a schedule for."""
    return sorted({day.year for day in package_data.holidays})


def current_calendar(session: Session) -> WorkdayCalendar:
    """The calendar in force, rebuilt only when another process (or this one) changed it."""
    return calendar_at(session, session.scalar(stamp_query()))


def stamp_query() -> Select[Any]:
    """The current stamp (none while only the package's years apply); also read as a subquery by the runtime."""
    return select(CalendarState.stamp).where(CalendarState.id == STATE_ID)


def calendar_at(session: Session, stamp: str | None) -> WorkdayCalendar:
    """The calendar of a stamp read in this transaction, from the cache unless it changed since."""
    stamp = stamp or PACKAGE_STAMP
    cached = _cache.get(stamp)
    if cached is not None:
        return cached
    calendar = from_chinese_calendar(package_years()) if stamp == PACKAGE_STAMP else _load(session)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[stamp] = calendar
    return calendar


def _load(session: Session) -> WorkdayCalendar:
    years = set(session.scalars(select(CalendarYear.year)))
    days = session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    holidays = {d for d, kind in days if kind == DayKind.HOLIDAY}
    makeup = {d for d, kind in days if kind == DayKind.MAKEUP_WORKDAY}
    return WorkdayCalendar(holidays, makeup, years)


def _bump(session: Session) -> CalendarState:
    """Record a change: new version and stamp (locking the row orders concurrent editors)."""
    state = session.scalars(
        select(CalendarState).where(CalendarState.id == STATE_ID).with_for_update()
    ).one_or_none()
    if state is None:
        state = CalendarState(id=STATE_ID, version=0, stamp="")
        session.add(state)
    state.version += 1
    state.stamp, state.changed_at = uuid.uuid4().hex, utcnow()
    session.flush()
    return state


def seed(session: Session, actor: Actor = SYSTEM) -> list[int]:
    """Add every year chinese-calendar knows and the database lacks; returns the years added.

    Idempotent, and never overwrites a year already present (an admin's entry wins).
    """
    _require_admin(actor)
    present = set(session.scalars(select(CalendarYear.year)))
    added = [year for year in package_years() if year not in present]
    for year in added:
        holidays, makeup = _package_schedule(year)
        session.add(CalendarYear(year=year, source=CalendarSource.PACKAGE, note="chinese-calendar",
                                 entered_by=actor.username))
        session.flush()
        _add_days(session, year, holidays, makeup)
    if added or session.get(CalendarState, STATE_ID) is None:
        _bump(session)
    if added:
        audit.record(session, actor, "calendar.seed", payload={"years": added})
        log.info("calendar seeded with %s", added)
    return added


def _package_schedule(year: int) -> tuple[dict[date, str], dict[date, str]]:
    holidays = {day: _chinese_name(name) for day, name in package_data.holidays.items() if day.year == year}
    makeup = {day: f"{_chinese_name(name)}调休" for day, name in package_data.workdays.items()
              if day.year == year and day.weekday() >= 5}
    return holidays, makeup


def _chinese_name(name: str) -> str:
    return HOLIDAY_NAMES.get(name, name)


def _add_days(session: Session, year: int, holidays: dict[date, str], makeup: dict[date, str]) -> None:
    session.add_all(CalendarDay(day=day, kind=DayKind.HOLIDAY, year=year, note=note[:200])
                    for day, note in sorted(holidays.items()))
    session.add_all(CalendarDay(day=day, kind=DayKind.MAKEUP_WORKDAY, year=year, note=note[:200])
                    for day, note in sorted(makeup.items()))
    session.flush()


def set_year(
    session: Session, actor: Actor, year: int, holidays: Iterable[date], makeup_workdays: Iterable[date],
    note: str = "",
) -> YearSchedule:
    """Enter (or replace) a year's schedule; audited as ``calendar.set_year`` with before and after.

    Recomputing the deadlines this settles is :func:`engine.workflow.recompute.enter_year`'s job.

    :raises NotAllowed: unless the actor is an admin.
    :raises InvalidInput: naming the field: dates outside the year, a day in both lists, a make-up
        working day that is not a Saturday or Sunday.
    """
    _require_admin(actor)
    holiday_set, makeup_set = set(holidays), set(makeup_workdays)
    _check_schedule(year, holiday_set, makeup_set)
    if not present_years(session):
        seed(session, actor)  # the first edit turns the package calendar into data, so no year is lost
    before = year_schedule(session, year)
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    entry = session.get(CalendarYear, year) or CalendarYear(year=year)
    entry.source, entry.note = CalendarSource.ADMIN, note.strip()[:500]
    entry.entered_by, entry.entered_at = actor.username, utcnow()
    session.add(entry)
    session.flush()
    _add_days(session, year, dict.fromkeys(holiday_set, ""), dict.fromkeys(makeup_set, ""))
    _bump(session)
    after = year_schedule(session, year)
    assert after is not None
    audit.record(session, actor, "calendar.set_year", payload={
        "year": year, "note": entry.note, "before": _schedule_payload(before), "after": _schedule_payload(after)})
    log.info("calendar year %s entered by %s", year, actor.username)
    return after


def _check_schedule(year: int, holidays: set[date], makeup: set[date]) -> None:
    errors: dict[str, list[str]] = {}
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors["year"] = [f"年份须在 {MIN_YEAR}–{MAX_YEAR} 之间 (year out of range)"]
    for field, days in (("holidays", holidays), ("makeup_workdays", makeup)):
        stray = sorted(d for d in days if d.year != year)
        if stray:
            errors[field] = [f"{', '.join(map(str, stray[:5]))} 不在 {year} 年 (not in {year})"]
    weekdays = sorted(d for d in makeup if d.weekday() < 5)
    if weekdays:
        errors.setdefault("makeup_workdays", []).append(
            f"{', '.join(map(str, weekdays[:5]))} 不是周末，无需调休 (not a Saturday or Sunday)")
    both = sorted(holidays & makeup)
    if both:
        errors.setdefault("makeup_workdays", []).append(
            f"{', '.join(map(str, both[:5]))} 同时是节假日和调休上班日 (in both lists)")
    if errors:
        raise InvalidInput("节假日安排有误 (invalid schedule)", fields=errors)


def _schedule_payload(schedule: YearSchedule | None) -> dict[str, object] | None:
    if schedule is None:
        return None
    return {"source": schedule.source, "holidays": [d.isoformat() for d in schedule.holidays],
            "makeup_workdays": [d.isoformat() for d in schedule.makeup_workdays]}


def _require_admin(actor: Actor) -> None:
    if actor is not SYSTEM and not actor.is_admin:
        raise NotAllowed("only administrators change the working-day calendar")


def present_years(session: Session) -> list[int]:
    return list(session.scalars(select(CalendarYear.year).order_by(CalendarYear.year)))


def year_schedule(session: Session, year: int) -> YearSchedule | None:
    """A year's entry, or None when the year is not entered."""
    entry = session.get(CalendarYear, year)
    if entry is None:
        return None
    days = session.execute(
        select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.year == year).order_by(CalendarDay.day)
    ).all()
    return YearSchedule(
        year=year, source=entry.source, note=entry.note, entered_by=entry.entered_by, entered_at=entry.entered_at,
        holidays=tuple(d for d, kind in days if kind == DayKind.HOLIDAY),
        makeup_workdays=tuple(d for d, kind in days if kind == DayKind.MAKEUP_WORKDAY),
    )


def list_years(session: Session) -> list[YearSchedule]:
    """Every entered year, newest first."""
    return [s for s in (year_schedule(session, y) for y in reversed(present_years(session))) if s is not None]
