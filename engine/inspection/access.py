"""Who may manage the inspection directories and organise plans: administrators, and reviewers whose region
covers the object (the one place these checks are written)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import REVIEWER_ROLES, Actor
from engine.errors import NotAllowed
from engine.scoping import covers_region, region_coverage


def manages(actor: Actor, region_code: str) -> bool:
    """True for an administrator or a reviewer (county, city, province) whose region covers ``region_code``."""
    return actor.is_admin or any(covers_region(role, actor.region_code, region_code)
                                 for role in actor.roles if role in REVIEWER_ROLES)


def require_manager(actor: Actor, region_code: str, what: str) -> None:
    """:raises NotAllowed: naming ``what`` when the actor does not manage the region."""
    if not manages(actor, region_code):
        raise NotAllowed(f"无权{what} (not allowed for region {region_code})")


def reviews(actor: Actor, region_code: str) -> bool:
    """A reviewer (not an administrator) whose region covers ``region_code``: may organise plans there."""
    return any(covers_region(role, actor.region_code, region_code) for role in actor.roles if role in REVIEWER_ROLES)


def managed_clause(actor: Actor, region_column: Any) -> ColumnElement[bool]:
    """The SQL form of :func:`manages` for lists (directory pages, plans)."""
    if actor.is_admin:
        return true()
    parts = []
    for role in sorted(actor.roles & REVIEWER_ROLES):
        coverage = region_coverage(role, actor.region_code)
        if coverage is not None:
            kind, value = coverage
            parts.append(region_column == value if kind == "exact"
                         else region_column.startswith(value, autoescape=True))
    return or_(*parts) if parts else false()
