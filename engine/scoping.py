"""Who may see and work what: one rule for role + region + enterprise, used by every list and action.

- county reviewer → tasks of its own county;
- city reviewer → tasks of its city and the city's counties;
- province reviewer → every task in Guangdong;
- enterprise → tasks of its own credit code;
- admin → reads everything, but works a step only if it also holds that step's role;
- tax client → the tax-review steps of the whole province.

A task is *visible* to an actor who holds the task's role within scope, or who
is an admin. It is *workable* only through the role. Objects outside the
visible set are reported as not found, so IDs of other regions reveal nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import Actor, Role
from engine.errors import NotAllowed

PROVINCE_PREFIX = "44"
TAX_PROCESSES = frozenset({"tax_review"})


def region_coverage(role: Role, region_code: str | None) -> tuple[str, str] | None:
    """What a role at a region covers: ('all', ''), ('prefix', '4401') or ('exact', '440106').

    Returns None when the actor lacks the region its role needs.
    """
    if role in (Role.PROVINCE_REVIEWER, Role.TAX_CLIENT, Role.ADMIN):  # admin: steps in an admin lane
        return ("prefix", PROVINCE_PREFIX)
    if not region_code or len(region_code) < 6:
        return None
    if role == Role.CITY_REVIEWER:
        return ("prefix", region_code[:4])
    if role == Role.COUNTY_REVIEWER:
        return ("exact", region_code)
    return None


def covers_region(role: Role, actor_region: str | None, region_code: str | None) -> bool:
    coverage = region_coverage(role, actor_region)
    if coverage is None or region_code is None:
        return False
    kind, value = coverage
    return region_code == value if kind == "exact" else region_code.startswith(value)


def can_work(actor: Actor, role: str, region_code: str | None, enterprise_code: str | None) -> bool:
    """True when the actor holds ``role`` and its scope includes the object's region or enterprise."""
    try:
        needed = Role(role)
    except ValueError:
        return False
    if needed not in actor.roles:
        return False
    if needed == Role.ENTERPRISE:
        return actor.enterprise_code is not None and actor.enterprise_code == enterprise_code
    return covers_region(needed, actor.region_code, region_code)


def can_see(actor: Actor, role: str, region_code: str | None, enterprise_code: str | None) -> bool:
    return actor.is_admin or can_work(actor, role, region_code, enterprise_code)


def can_see_instance(
    actor: Actor, region_code: str | None, enterprise_code: str | None, process_key: str | None = None
) -> bool:
    """An instance is visible to admins, to its enterprise, and to any reviewer whose region covers it.

    The tax department's client sees enterprise data province-wide but, among process
    instances, only the tax-review ones: callers about instances pass ``process_key``.
    """
    if actor.is_admin:
        return True
    if Role.ENTERPRISE in actor.roles and actor.enterprise_code and actor.enterprise_code == enterprise_code:
        return True
    return any(
        covers_region(role, actor.region_code, region_code)
        for role in actor.roles
        if role != Role.ENTERPRISE and _role_reaches_process(role, process_key)
    )


def _role_reaches_process(role: Role, process_key: str | None) -> bool:
    return role != Role.TAX_CLIENT or process_key is None or process_key in TAX_PROCESSES


def visible_clause(actor: Actor, role_column: Any, region_column: Any, enterprise_column: Any) -> ColumnElement[bool]:
    """The SQL form of :func:`can_see` for lists (tasks, exports)."""
    if actor.is_admin:
        return true()
    parts = [_role_clause(actor, role, role_column, region_column, enterprise_column) for role in sorted(actor.roles)]
    parts = [p for p in parts if p is not None]
    return or_(*parts) if parts else false()


def instance_clause(
    actor: Actor, region_column: Any, enterprise_column: Any, process_column: Any = None
) -> ColumnElement[bool]:
    """The SQL form of :func:`can_see_instance` (``process_column`` limits the tax client to tax reviews)."""
    if actor.is_admin:
        return true()
    parts: list[ColumnElement[bool]] = []
    if Role.ENTERPRISE in actor.roles and actor.enterprise_code:
        parts.append(enterprise_column == actor.enterprise_code)
    for role in actor.roles:
        coverage = None if role == Role.ENTERPRISE else region_coverage(role, actor.region_code)
        if coverage is None:
            continue
        clause = _coverage_clause(coverage, region_column)
        if role == Role.TAX_CLIENT and process_column is not None:
            clause = and_(process_column.in_(sorted(TAX_PROCESSES)), clause)
        parts.append(clause)
    return or_(*parts) if parts else false()


def _role_clause(actor: Actor, role: Role, role_column: Any, region_column: Any, enterprise_column: Any) -> Any:
    if role == Role.ENTERPRISE:
        if not actor.enterprise_code:
            return None
        return and_(role_column == role.value, enterprise_column == actor.enterprise_code)
    coverage = region_coverage(role, actor.region_code)
    if coverage is None:
        return None
    return and_(role_column == role.value, _coverage_clause(coverage, region_column))


def _coverage_clause(coverage: tuple[str, str], region_column: Any) -> ColumnElement[bool]:
    kind, value = coverage
    if kind == "exact":
        return region_column == value
    return region_column.startswith(value, autoescape=True)


def require_admin(actor: Actor, message: str) -> None:
    """The one administrator check: raises ``NotAllowed(message)`` unless the actor is an administrator.

    :raises NotAllowed: naming what only administrators may do.
    """
    if not actor.is_admin:
        raise NotAllowed(message)
