"""Timer values checked with the ISO 8601 rules SpiffWorkflow applies, and bounded.

SpiffWorkflow parses ``timeDate``, ``timeDuration`` and ``timeCycle`` values
itself (``TimerEventDefinition``), leniently: ``-PT1S`` reads as one second,
``R/PT0S`` repeats without end, and ``P999999999Y`` makes it count twelve
billion months one by one. Every value is therefore checked here first, at
deploy when the expression is a constant and at run time always
(``engine/workflow/script_engine.py``): the text must be what SpiffWorkflow
accepts *and* match the strict ISO 8601 forms below, a repeating cycle must
have a positive interval and a bounded number of repetitions, and the first
firing must lie within :attr:`ModelLimits.max_timer_years` of now.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.workflow.limits import ModelLimits

TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")
_NUMBER = r"\d{1,12}(?:[.,]\d{1,9})?"
DURATION = re.compile(
    rf"P(?!$)(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<weeks>{_NUMBER})W)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?=\d)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?"
)
_UPPER_DAYS = {"years": 366.0, "months": 31.0, "weeks": 7.0, "days": 1.0, "hours": 1 / 24, "minutes": 1 / 1440,
               "seconds": 1 / 86400}


class TimerRefused(ValueError):
    """A timer value outside what EcoLoop runs; the message says why."""


def check_timer(kind: str, value: Any, limits: ModelLimits, now: datetime | None = None) -> None:
    """Check the value a timer expression produced.

    :param kind: ``timeDate``, ``timeDuration`` or ``timeCycle`` (the BPMN element).
    :raises TimerRefused: naming the rule the value breaks.
    """
    if not isinstance(value, str):
        raise TimerRefused(f"a timer value must be ISO 8601 text, not {type(value).__name__}")
    now = now or datetime.now(timezone.utc)
    horizon = _add_years(now, limits.max_timer_years)
    text = value.strip()
    if kind == "timeCycle":
        _check_cycle(text, now, horizon, limits)
    elif kind == "timeDuration":
        _within(now + _duration(text, now, horizon), horizon, limits, text)
    else:
        _within(_time_or_duration(text, now, horizon), horizon, limits, text)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _within(first: datetime, horizon: datetime, limits: ModelLimits, text: str) -> None:
    if first > horizon:
        raise TimerRefused(f"timer {text!r} first fires more than {limits.max_timer_years} years from now")


def _duration(text: str, start: datetime, horizon: datetime) -> timedelta:
    """A duration as SpiffWorkflow computes it from ``start``, refusing negative, malformed and too long ones."""
    if text.startswith("-"):
        raise TimerRefused(f"timer duration {text!r} is negative")
    match = DURATION.fullmatch(text.upper())
    if match is None:
        raise TimerRefused(f"{text!r} is not an ISO 8601 duration such as P3D or PT12H")
    parts = {name: float(number.replace(",", ".")) for name, number in match.groupdict().items() if number}
    if sum(_UPPER_DAYS[name] * number for name, number in parts.items()) > (horizon - start).days + 1:
        raise TimerRefused(f"timer duration {text!r} is longer than the limit ({horizon.year - start.year} years)")
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
        return TimerEventDefinition.get_timedelta_from_start(parsed, start)
    except Exception as exc:  # SpiffWorkflow raises a bare Exception for what it cannot read
        raise TimerRefused(f"{text!r} is not a duration SpiffWorkflow accepts: {exc}") from None


def _moment(text: str) -> datetime:
    try:
        if "W" in text.upper() and not text.upper().startswith("P"):
            return TimerEventDefinition.parse_iso_week(text)
        return TimerEventDefinition.get_datetime(text)
    except (ValueError, TypeError, AttributeError, OverflowError):
        raise TimerRefused(f"{text!r} is not a valid ISO 8601 date or date-time") from None


def _time_or_duration(text: str, now: datetime, horizon: datetime) -> datetime:
    return now + _duration(text, now, horizon) if text.upper().startswith("P") or text.startswith("-") else _moment(text)


def _check_cycle(text: str, now: datetime, horizon: datetime, limits: ModelLimits) -> None:
    match = re.fullmatch(r"R(\d*)/([^/]+)(?:/([^/]+))?", text.upper())
    if match is None:
        raise TimerRefused(f"{text!r} is not an ISO 8601 repeating interval such as R3/PT1H")
    count, first, second = match.groups()
    if not count:
        raise TimerRefused(f"timer cycle {text!r} repeats without end; give the number of repetitions (R3/…)")
    if len(count) > 9 or int(count) > limits.max_timer_repetitions:
        raise TimerRefused(f"timer cycle {text!r} repeats more than {limits.max_timer_repetitions} times")
    if second is None:
        interval, start = _duration(first, now, horizon), None
    elif first.startswith("P"):
        end = _moment(second)
        interval, start = _duration(first, now, horizon), None
        start = end - interval
    else:
        start = _moment(first)
        interval = _duration(second, min(start, horizon), horizon)
    if interval <= timedelta(0):
        raise TimerRefused(f"timer cycle {text!r} has a zero interval")
    _within(start if start is not None else now + interval, horizon, limits, text)
