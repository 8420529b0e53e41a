"""The monitoring figures the tax side reads for a tax period, within the caller's scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.errors import NotFound
from engine.monitoring.models import Enterprise
from engine.scoping import can_see_instance
from engine.tax import review as tax


def for_period(session: Session, actor: Actor, enterprise_code: str, tax_period: str) -> dict[str, Any]:
    """The monitoring figures of an enterprise for a tax period (``YYYY-MM``), as the tax side receives them.

    :raises NotFound: unknown enterprise, or outside the actor's scope.
    """
    enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == enterprise_code)).one_or_none()
    allowed = enterprise is not None and (
        Role.TAX_CLIENT in actor.roles or can_see_instance(actor, enterprise.region_code, enterprise.credit_code))
    if enterprise is None or not allowed:
        raise NotFound(f"enterprise {enterprise_code!r} not found")
    figures = tax.period_monitoring_figures(session, enterprise_code, tax_period)
    return {"enterprise_code": enterprise_code, "tax_period": tax_period, "available": figures is not None,
            "figures": figures}
