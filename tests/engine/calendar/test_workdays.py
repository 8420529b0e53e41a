"""Working days and deadlines on the Chinese statutory calendar (data from chinese-calendar)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from engine.calendar.workdays import (
    SHANGHAI,
    Deadline,
    WorkdayCalendar,
    from_chinese_calendar,
)

# The 2027 schedule was not in chinese-calendar 1.11; these New Year days stand in for it.
NEW_YEAR_2027 = {date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return from_chinese_calendar([2026])


def _shanghai(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def test_national_day_2026_is_off_with_two_makeup_days(calendar: WorkdayCalendar) -> None:
    assert not any(calendar.is_workday(day) for day in _days(date(2026, 10, 1), date(2026, 10, 7)))
    assert calendar.is_workday(date(2026, 9, 20))  # Sunday, worked in exchange
    assert calendar.is_workday(date(2026, 10, 10))  # Saturday, worked in exchange
    assert not calendar.is_workday(date(2026, 10, 11))
    assert calendar.is_workday(date(2026, 10, 8))


def test_deadline_skips_national_day(calendar: WorkdayCalendar) -> None:
    start = _shanghai(2026, 9, 30, 10, 0)
    assert calendar.add_workdays(start, 1).due_at == _shanghai(2026, 10, 8, 23, 59, 59)
    assert calendar.add_workdays(start, 3).due_at == _shanghai(2026, 10, 10, 23, 59, 59)
    assert calendar.add_workdays(start, 4).due_at == _shanghai(2026, 10, 12, 23, 59, 59)


def test_spring_festival_2026(calendar: WorkdayCalendar) -> None:
    assert not any(calendar.is_workday(day) for day in _days(date(2026, 2, 15), date(2026, 2, 23)))
    assert calendar.is_workday(date(2026, 2, 14)) and calendar.is_workday(date(2026, 2, 28))
    friday = _shanghai(2026, 2, 13, 9, 0)
    assert calendar.add_workdays(friday, 1).due_at == _shanghai(2026, 2, 14, 23, 59, 59)
    assert calendar.add_workdays(friday, 2).due_at == _shanghai(2026, 2, 24, 23, 59, 59)
    assert calendar.workdays_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_deadline_into_an_unknown_year_is_provisional(calendar: WorkdayCalendar) -> None:
    deadline = calendar.add_workdays(_shanghai(2026, 12, 20, 9, 30), 10)
    assert deadline == Deadline(_shanghai(2027, 1, 1, 23, 59, 59), True, frozenset({2027}))


def test_adding_next_years_schedule_settles_the_deadline(calendar: WorkdayCalendar) -> None:
    extended = calendar.with_schedule(2027, NEW_YEAR_2027, set())
    deadline = extended.add_workdays(_shanghai(2026, 12, 20, 9, 30), 10)
    assert deadline == Deadline(_shanghai(2027, 1, 4, 23, 59, 59), False, frozenset())
    assert extended.known_years == {2026, 2027}
    assert calendar.known_years == {2026}


def test_deadline_within_a_known_year_is_final(calendar: WorkdayCalendar) -> None:
    deadline = calendar.add_workdays(_shanghai(2026, 12, 20, 9, 30), 9)
    assert deadline == Deadline(_shanghai(2026, 12, 31, 23, 59, 59), False, frozenset())


def test_unknown_year_counts_weekends_only(calendar: WorkdayCalendar) -> None:
    assert calendar.is_workday(date(2027, 1, 1))  # a Friday; its holiday is not known yet
    assert not calendar.is_workday(date(2027, 1, 2))


def test_from_chinese_calendar_leaves_years_without_data_unknown() -> None:
    calendar = from_chinese_calendar([2025, 2099])
    assert calendar.known_years == {2025}
    assert not calendar.is_workday(date(2025, 10, 1))


def test_start_date_is_taken_in_shanghai(calendar: WorkdayCalendar) -> None:
    still_friday = datetime(2026, 10, 9, 15, 0, tzinfo=timezone.utc)  # 23:00 in Shanghai
    already_saturday = datetime(2026, 10, 9, 16, 0, tzinfo=timezone.utc)  # 00:00 next day
    assert calendar.add_workdays(still_friday, 1).due_at == _shanghai(2026, 10, 10, 23, 59, 59)
    assert calendar.add_workdays(already_saturday, 1).due_at == _shanghai(2026, 10, 12, 23, 59, 59)
    assert not calendar.is_workday(datetime(2026, 10, 10, 16, 0, tzinfo=timezone.utc))  # Sunday 00:00


def test_due_at_is_end_of_day_in_shanghai(calendar: WorkdayCalendar) -> None:
    due_at = calendar.add_workdays(datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc), 1).due_at
    assert due_at.utcoffset() == timedelta(hours=8)
    assert due_at == datetime(2026, 3, 3, 15, 59, 59, tzinfo=timezone.utc)


def test_naive_datetimes_are_refused(calendar: WorkdayCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        calendar.add_workdays(datetime(2026, 3, 2, 9, 0), 1)
    with pytest.raises(ValueError, match="naive"):
        calendar.is_workday(datetime(2026, 3, 2, 9, 0))


def test_at_least_one_working_day(calendar: WorkdayCalendar) -> None:
    with pytest.raises(ValueError, match="at least one"):
        calendar.add_workdays(_shanghai(2026, 3, 2, 9, 0), 0)


def test_workdays_between_matches_add_workdays(calendar: WorkdayCalendar) -> None:
    start = _shanghai(2026, 9, 18, 17, 0)
    for n in (1, 5, 12, 40):
        assert calendar.workdays_between(start, calendar.add_workdays(start, n).due_at) == n


def test_workdays_between_is_signed(calendar: WorkdayCalendar) -> None:
    assert calendar.workdays_between(date(2026, 10, 12), date(2026, 10, 12)) == 0
    assert calendar.workdays_between(date(2026, 10, 12), date(2026, 10, 9)) == -2
    assert calendar.workdays_between(date(2026, 10, 9), date(2026, 10, 12)) == 2


def test_with_schedule_replaces_the_years_data(calendar: WorkdayCalendar) -> None:
    replaced = calendar.with_schedule(2026, set(), set())
    assert replaced.is_workday(date(2026, 10, 1))
    assert not replaced.is_workday(date(2026, 10, 10))


def test_schedule_dates_must_lie_in_known_years() -> None:
    with pytest.raises(ValueError, match="outside the known years"):
        WorkdayCalendar({date(2027, 1, 1)}, set(), {2026})
    with pytest.raises(ValueError, match="outside 2027"):
        WorkdayCalendar(set(), set(), set()).with_schedule(2027, {date(2026, 12, 31)}, set())


def test_a_day_cannot_be_holiday_and_workday() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkdayCalendar({date(2026, 10, 10)}, {date(2026, 10, 10)}, {2026})
