"""Matching and data inspection (匹配、数据监查) of the tax side's records: for reviewers and administrators."""

from __future__ import annotations

from typing import Any

from engine.exchange.datacheck import findings, matching, rules
from engine.exchange.datacheck.run import run_month
from web.api.core import ApiBlueprint
from web.api.schemas.datacheck import (
    FindingArgsSchema,
    FindingPageSchema,
    FindingSchema,
    MatchLinkSchema,
    ResolutionSchema,
    RuleChangeSchema,
    RuleSetSchema,
    RunRequestSchema,
    RunResultSchema,
    UnmatchedArgsSchema,
    UnmatchedPageSchema,
    FindingVerificationSchema,
)
from web.api.schemas.instances import InstanceSchema
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_datacheck", __name__, url_prefix="/api/v1/exchange",
                  description="涉税数据匹配与数据监查 (matching and data inspection)")


@bp.route("/unmatched")
@bp.arguments(UnmatchedArgsSchema, location="query")
@bp.response(200, UnmatchedPageSchema)
def unmatched(args: dict[str, Any]) -> Any:
    """Taxpayers and tax sources no code matched and no reviewer resolved yet, within the caller's region."""
    return matching.unmatched(db(), actor(), region_prefix=args["region"], page=args["page"])


@bp.route("/unmatched/<any(taxpayer,tax_source):kind>/<path:record_key>/resolution", methods=["POST"])
@bp.arguments(ResolutionSchema)
@bp.response(201, MatchLinkSchema)
def resolve(body: dict[str, Any], kind: str, record_key: str) -> Any:
    """Link the record (taxpayer → ``enterprise_code``; tax source → ``point_mn``) or mark it not regulated."""
    return matching.resolve(db(), actor(), kind, record_key, **body), 201


@bp.route("/findings")
@bp.arguments(FindingArgsSchema, location="query")
@bp.response(200, FindingPageSchema)
def finding_list(args: dict[str, Any]) -> Any:
    """The 数据监查表's findings within the caller's region."""
    wanted = findings.FindingFilter(args["period"], args["rule"], args["status"], args["region"])
    return findings.listing(db(), actor(), wanted, page=args["page"])


@bp.route("/findings/<int:finding_id>")
@bp.response(200, FindingSchema)
def finding(finding_id: int) -> Any:
    """One finding with its verification's conclusion, once given."""
    return findings.get(db(), actor(), finding_id)


@bp.route("/findings/<int:finding_id>/verification", methods=["POST"])
@bp.arguments(FindingVerificationSchema)
@bp.response(201, InstanceSchema)
def verify(body: dict[str, Any], finding_id: int) -> Any:
    """Send the finding to its county for verification (``tax_data_verification``)."""
    return findings.start_verification(db(), actor(), finding_id, body["note"]), 201


@bp.route("/inspection-rules")
@bp.response(200, RuleSetSchema(many=True))
def rule_versions() -> Any:
    """The parameters in force first, then every stored version (newest first)."""
    return rules.history(db(), actor())


@bp.route("/inspection-rules", methods=["PUT"])
@bp.arguments(RuleChangeSchema)
@bp.response(200, RuleSetSchema)
def change_rules(body: dict[str, Any]) -> Any:
    """Store a new version of every rule's parameters (administrators)."""
    return rules.change(db(), actor(), body["params"], body["note"])


@bp.route("/inspection-runs", methods=["POST"])
@bp.arguments(RunRequestSchema)
@bp.response(201, RunResultSchema)
def run(body: dict[str, Any]) -> Any:
    """Run the month's rules now (administrators); the scheduler runs them every night."""
    return run_month(db(), actor(), body["month"]), 201
