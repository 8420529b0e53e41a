"""环境风险源企业: the scoped table, an enterprise's risk data; substances and assessments for the covering bureaus."""

from __future__ import annotations

from typing import Any

from engine.emergency.risk import assessments, plans, registry, substances
from engine.emergency.risk.registry import Filters
from web.api.core import ApiBlueprint
from web.api.schemas.risk_sources import (
    AssessmentInSchema,
    AssessmentSchema,
    ListArgsSchema,
    RiskSourceDetailSchema,
    RiskSourceListSchema,
    StoredSubstanceSchema,
    SubstancesSchema,
)
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_risk_sources", __name__, url_prefix="/api/v1/risk-sources",
                  description="环境风险源企业 (risk-source enterprises)")


@bp.route("")
@bp.arguments(ListArgsSchema, location="query")
@bp.response(200, RiskSourceListSchema)
def list_sources(args: dict[str, Any]) -> Any:
    """Risk-source enterprises in the caller's scope, filtered by region, level, Q band, plan state or name."""
    page = args.pop("page")
    return registry.listing(db(), actor(), Filters(**args), page=page, today=plans.local_today())


@bp.route("/<credit_code>")
@bp.response(200, RiskSourceDetailSchema)
def show(credit_code: str) -> Any:
    """One enterprise's level, Q, band, plan state, stored substances and assessment history."""
    return registry.page(db(), actor(), credit_code, today=plans.local_today())


@bp.route("/<credit_code>/substances", methods=["PUT"])
@bp.arguments(SubstancesSchema)
@bp.response(200, StoredSubstanceSchema(many=True))
def put_substances(body: dict[str, Any], credit_code: str) -> Any:
    """Replace the enterprise's stored risk substances (administrators and the covering bureaus; idempotent)."""
    return substances.replace(db(), actor(), credit_code, body["substances"])


@bp.route("/<credit_code>/assessments", methods=["POST"])
@bp.arguments(AssessmentInSchema)
@bp.response(201, AssessmentSchema)
def assess(body: dict[str, Any], credit_code: str) -> Any:
    """Record an HJ 941 assessment; its level becomes the register's (send an ``Idempotency-Key`` to retry safely)."""
    data = {**body, "assessed_on": body["assessed_on"].isoformat()}
    return assessments.record(db(), actor(), credit_code, data, today=plans.local_today()), 201
