"""The effect of a draft's validity and rates settings on the transmission and effective rates.

Only when the draft changes the ``validity`` or ``rates`` group. Each side's received
counters come from the records the replay judged (validity counted with the side's
invalid flags, by the function ingest uses); expected slots, ratios, pass line and the
roll-ups to enterprises and cities are the live statistics' own
(:func:`engine.monitoring.rates.rates_between`, ``enterprise_rates``, ``region_rates``).
Rates are replayed for hourly data (CN 2061), the department's default; a side set to
another CN is reported as not replayed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from engine.monitoring import rates, rules
from engine.monitoring.codes import HOURLY
from engine.replay.spec import Period, same_params

GROUPS = ("validity", "rates")


def applies(current: rules.RuleBook, draft: rules.RuleBook) -> bool:
    return any(not same_params(current.rule(key), draft.rule(key)) for key in GROUPS)


def compare(session: Session, current: rules.RuleBook, draft: rules.RuleBook, period: Period, point_ids: list[int],
            sums: Mapping[str, Mapping[int, rates.Counts]]) -> dict[str, Any]:
    """Province-wide rates, cities and the enterprises whose pass/fail changes, current vs draft."""
    books = {"current": current, "draft": draft}
    if any(book.rule("rates")["cn"] != HOURLY for book in books.values()):
        return {"replayed": False, "reason": "rates are replayed for CN 2061 (hourly data) only"}
    sides = {}
    for name, book in books.items():
        points = rates.rates_between(session, book.rule("rates"), period.start, period.end, sums[name], point_ids)
        enterprises = rates.enterprise_rates(session, period.first, points=points)
        sides[name] = (enterprises, rates.region_rates(session, period.first, enterprises=enterprises))
    passed = {name: {row.key: row.passed for row in enterprises} for name, (enterprises, _) in sides.items()}
    flipped = sorted(code for code in passed["current"] if passed["current"][code] != passed["draft"].get(code))
    return {
        "replayed": True,
        "current": _side_json(*sides["current"]),
        "draft": _side_json(*sides["draft"]),
        "enterprises_changed": [{"enterprise": code, "current_passed": passed["current"][code],
                                 "draft_passed": passed["draft"].get(code)} for code in flipped],
    }


def _side_json(enterprises: list[rates.RateRow], cities: list[rates.RateRow]) -> dict[str, Any]:
    total = rates.RateRow("province", "440000", "440000", "440000", rates.Counts(),
                          enterprises[0].denominator if enterprises else "received",
                          enterprises[0].pass_line if enterprises else 0.9)
    for row in enterprises:
        total.counts.add(row.counts)
    return {
        **_figures(total),
        "enterprises_below": sum(1 for row in enterprises if row.passed is False),
        "enterprises": len(enterprises),
        "by_city": {row.key: {**_figures(row), "enterprises_below": row.enterprises_below} for row in cities},
    }


def _figures(row: rates.RateRow) -> dict[str, float | None]:
    return {name: _round(getattr(row, name)) for name in ("transmission", "validity", "effective", "timeliness")}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
