"""Who reads and writes risk-source data: role + region + enterprise, the one rule of :mod:`engine.scoping`.

Reviewers read the enterprises of their region (county, city, province), an enterprise its own,
administrators all. Writing (assessments, stored substances) is for administrators and the
reviewers whose region covers the enterprise — the county and city bureaus keep their risk sources.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import REVIEWER_ROLES, Actor, Role
from engine.errors import NotAllowed, NotFound
from engine.monitoring.models import Enterprise
from engine.scoping import covers_region, instance_clause

READER_ROLES = REVIEWER_ROLES | {Role.ADMIN, Role.ENTERPRISE}


def require_reader(actor: Actor) -> None:
    """:raises NotAllowed: for accounts that read no risk-source data (the tax bureau's client)."""
    if not actor.roles & READER_ROLES:
        raise NotAllowed("无权查看环境风险源 (risk sources are for reviewers, administrators and enterprises)")


def visible(actor: Actor) -> ColumnElement[bool]:
    """Enterprises the actor may read (call :func:`require_reader` first)."""
    return instance_clause(actor, Enterprise.region_code, Enterprise.credit_code)


def may_write(actor: Actor, region_code: str) -> bool:
    return actor.is_admin or any(covers_region(role, actor.region_code, region_code)
                                 for role in actor.roles & REVIEWER_ROLES)


def enterprise(session: Session, actor: Actor, credit_code: str) -> Enterprise:
    """:raises NotFound: for an unknown enterprise or one outside the actor's scope."""
    require_reader(actor)
    found = session.scalars(select(Enterprise).where(Enterprise.credit_code == credit_code, visible(actor))).first()
    if found is None:
        raise NotFound(f"enterprise {credit_code} not found")
    return found


def writable_enterprise(session: Session, actor: Actor, credit_code: str) -> Enterprise:
    """:raises NotFound: outside the actor's scope. :raises NotAllowed: unless the actor may write its risk data."""
    found = enterprise(session, actor, credit_code)
    if not may_write(actor, found.region_code):
        raise NotAllowed(f"{actor.username} 不能修改该企业的环境风险数据 (may not change this enterprise's risk data)")
    return found
