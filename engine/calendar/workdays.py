"""Working days on the Chinese statutory calendar, and deadlines counted in them.

Every year the State Council publishes the next year's public holidays together
with the weekend days that become working days in exchange (调休). A year whose
schedule has not been published yet is *unknown*: in it only Saturdays and
Sundays are days off, and a deadline that runs through it is *provisional*, to be
recomputed once the schedule is known.

Deadline rule: ``add_workdays(start, n)`` takes the calendar date of ``start`` in
Asia/Shanghai, counts ``n`` working days strictly after that date, and is due at
23:59:59 Asia/Shanghai on the last one. A task started on Friday 2026-10-09 with
one working day is due on Saturday 2026-10-10 (a make-up working day) at
23:59:59+08:00; it is overdue once the current time is later than ``due_at``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True, slots=True)
class Deadline:
    """When work is due; ``unknown_years`` lists the years counted on weekends alone."""

    due_at: datetime
    provisional: bool
    unknown_years: frozenset[int]


class WorkdayCalendar:
    """Which dates are working days; immutable, extend it with :meth:`with_schedule`.

    :param holidays: statutory days off (those on weekends may be left out).
    :param makeup_workdays: weekend days that are working days (调休).
    :param known_years: the years whose schedule the two sets hold completely.
    :raises ValueError: when a date lies outside ``known_years`` or is in both sets.
    """

    def __init__(self, holidays: Set[date], makeup_workdays: Set[date], known_years: Set[int]) -> None:
        self._holidays = frozenset(holidays)
        self._makeup_workdays = frozenset(makeup_workdays)
        self._known_years = frozenset(known_years)
        outside = {day for day in self._holidays | self._makeup_workdays if day.year not in self._known_years}
        if outside:
            raise ValueError(f"dates outside the known years: {sorted(outside)}")
        both = self._holidays & self._makeup_workdays
        if both:
            raise ValueError(f"dates both holiday and make-up working day: {sorted(both)}")

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    def with_schedule(
        self, year: int, holidays: Iterable[date], makeup_workdays: Iterable[date]
    ) -> WorkdayCalendar:
        """A calendar that also knows ``year``, replacing whatever it held for that year.

        :raises ValueError: when a date does not lie in ``year``.
        """
        new_holidays, new_makeup = set(holidays), set(makeup_workdays)
        stray = {day for day in new_holidays | new_makeup if day.year != year}
        if stray:
            raise ValueError(f"dates outside {year}: {sorted(stray)}")
        return WorkdayCalendar(
            {day for day in self._holidays if day.year != year} | new_holidays,
            {day for day in self._makeup_workdays if day.year != year} | new_makeup,
            self.known_years | {year},
        )

    def is_workday(self, day: date) -> bool:
        """A make-up day works, a holiday does not, otherwise Monday to Friday work.

        A ``datetime`` must be timezone-aware; its date in Asia/Shanghai is used.
        """
        local = _local_date(day)
        if local in self._makeup_workdays:
            return True
        return local not in self._holidays and local.weekday() < 5

    def add_workdays(self, start: datetime, n: int) -> Deadline:
        """The deadline ``n`` working days after ``start``'s date (see the module docstring).

        :raises ValueError: when ``start`` is naive or ``n`` is less than one.
        """
        if n < 1:
            raise ValueError(f"a deadline needs at least one working day, not {n}")
        day, counted = _local_date(start), 0
        years: set[int] = set()
        while counted < n:
            day += timedelta(days=1)
            years.add(day.year)
            if self.is_workday(day):
                counted += 1
        unknown = frozenset(years - self.known_years)
        return Deadline(datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI), bool(unknown), unknown)

    def workdays_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b``; negative when ``b`` is earlier.

        Consistent with :meth:`add_workdays`: ``workdays_between(start, deadline.due_at) == n``.
        """
        first, last = _local_date(a), _local_date(b)
        if last < first:
            return -self.workdays_between(last, first)
        days = (first + timedelta(days=offset) for offset in range(1, (last - first).days + 1))
        return sum(1 for day in days if self.is_workday(day))


def from_chinese_calendar(years: Iterable[int]) -> WorkdayCalendar:
    """A calendar seeded from the ``chinese-calendar`` package for each of ``years``.

    Years the installed package has no data for stay unknown (weekends only).
    """
    calendar = WorkdayCalendar(set(), set(), set())
    for year in sorted(set(years)):
        first, last = date(year, 1, 1), date(year, 12, 31)
        try:
            holidays = chinese_calendar.get_holidays(first, last, include_weekends=False)
            workdays = chinese_calendar.get_workdays(first, last)
        except NotImplementedError:
            logger.warning("No statutory holiday data for %d; counting only weekends as days off", year)
            continue
        makeup = [day for day in workdays if day.weekday() >= 5]
        calendar = calendar.with_schedule(year, holidays, makeup)
    return calendar


def _local_date(value: date) -> date:
    """The calendar date of ``value`` in Asia/Shanghai; a plain ``date`` is taken as is.

    :raises ValueError: for a naive ``datetime``, whose date would be a guess.
    """
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: attach a timezone")
    return value.astimezone(SHANGHAI).date()
