"""Statistics reports: queue a report over the caller's scope, follow its state, download the file."""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.reports import runs
from web.api.core import ApiBlueprint
from web.api.schemas.reports import ReportRequestSchema, ReportRunSchema
from web.auth.session import actor
from web.database import db
from web.reports import delivery

bp = ApiBlueprint("api_reports", __name__, url_prefix="/api/v1/reports", description="统计报表 (reports)")


@bp.route("", methods=["POST"])
@bp.arguments(ReportRequestSchema)
@bp.response(202, ReportRunSchema, headers={"Location": {"schema": {"type": "string"}}})
def request_report(body: dict[str, Any]) -> Any:
    """Queue a report for the caller's scope; poll the run until ``status`` is ``done``."""
    options = {"industry": body["industry"]} if body["kind"] == "supervision_ledger" and body["industry"] else {}
    run = runs.request(db(), actor(), body["kind"], body["period"], options)
    delivery.mark_queued()
    return run, 202, {"Location": url_for("api_reports.report", run_id=run.id)}


@bp.route("", methods=["GET"])
@bp.response(200, ReportRunSchema(many=True))
def history() -> Any:
    """The runs the caller's scope covers, newest first (scheduled monthly reports included)."""
    return runs.visible(db(), actor())


@bp.route("/<int:run_id>")
@bp.response(200, ReportRunSchema)
def report(run_id: int) -> Any:
    """One run and its state."""
    return runs.get(db(), actor(), run_id)


@bp.route("/<int:run_id>/file")
@bp.response(200, {"type": "string", "format": "binary"}, content_type="*/*",
             description="the report's bytes (.xlsx or .pdf)")
def download(run_id: int) -> Any:
    """Download a generated report (404 until it is done)."""
    return delivery.file_response(run_id)


bp.teardown_request(delivery.start_queued)
