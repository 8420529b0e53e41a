"""Which directory entries belong to a body: a city bureau's scope is the whole city, a county's its county."""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql.elements import ColumnElement


def in_body(body_level: str, body_region_code: str, region_code: str) -> bool:
    if body_level == "city":
        return region_code.startswith(body_region_code[:4])
    return region_code == body_region_code


def body_clause(body_level: str, body_region_code: str, region_column: Any) -> ColumnElement[bool]:
    """The SQL form of :func:`in_body`."""
    if body_level == "city":
        return region_column.startswith(body_region_code[:4], autoescape=True)
    return region_column == body_region_code
