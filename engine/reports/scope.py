"""Who may produce reports, and the SQL scope of their rows (the one rule of :mod:`engine.scoping`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from engine.actors import Actor, Role
from engine.errors import NotAllowed
from engine.scoping import can_see_instance, instance_clause

PROVINCE = "440000"
REVIEWER_ROLES = frozenset({Role.ADMIN, Role.PROVINCE_REVIEWER, Role.CITY_REVIEWER, Role.COUNTY_REVIEWER})


def require_reviewer(actor: Actor) -> None:
    """:raises NotAllowed: for accounts that are not reviewers or administrators."""
    if not actor.roles & REVIEWER_ROLES:
        raise NotAllowed("报表仅面向审核人员和管理员 (reports are for reviewers and administrators)")


def clause(actor: Actor, region_column: Any, enterprise_column: Any) -> ColumnElement[bool]:
    """Rows whose region (or enterprise) the actor's scope covers."""
    return instance_clause(actor, region_column, enterprise_column)


def covers(actor: Actor, region_code: str | None, enterprise_code: str | None) -> bool:
    return can_see_instance(actor, region_code, enterprise_code)


def region_label(actor: Actor) -> str:
    """The region a report made by this actor covers (``440000`` for the province)."""
    if actor.is_admin or Role.PROVINCE_REVIEWER in actor.roles:
        return PROVINCE
    if Role.CITY_REVIEWER in actor.roles and actor.region_code:
        return actor.region_code[:4] + "00"
    return actor.region_code or ""
