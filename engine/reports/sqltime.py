"""Backend-neutral SQL expressions over timestamps (hours between two columns, Shanghai month)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func


def hours_between(start: Any, end: Any, pg: bool) -> Any:
    if pg:
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def city_of(region_column: Any) -> Any:
    """``440106`` → ``4401`` (callers append ``00`` for the city's code)."""
    return func.substr(region_column, 1, 4)
