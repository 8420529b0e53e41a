"""双随机 inspections for the mobile-enforcement client: my inspections, the on-site record, dispatch, results.

Confirmation, review, publication and follow-up are ordinary steps: the client completes them through
``/api/v1/tasks/{task_id}/complete`` with the step's form (``open_step`` names the task).
"""

from __future__ import annotations

from typing import Any

from engine.inspection.onsite import dispatch, fieldwork
from engine.inspection.onsite.publication import ResultQuery, published_results
from web.api.core import ApiBlueprint
from web.api.schemas.inspections import (
    DispatchedSchema,
    InspectionSchema,
    RecordSchema,
    ResultPageSchema,
    ResultQuerySchema,
    inspection_view,
)
from web.auth.session import actor
from web.database import db, files

bp = ApiBlueprint("api_inspections", __name__, url_prefix="/api/v1/inspections",
                  description="双随机现场检查 (random inspections)")


@bp.route("", methods=["GET"])
@bp.response(200, InspectionSchema(many=True))
def mine() -> Any:
    """The caller's own inspections as an officer of the pair (every read audited)."""
    return [inspection_view(c) for c in fieldwork.my_inspections(db(), actor())]


@bp.route("/<int:case_id>", methods=["GET"])
@bp.response(200, InspectionSchema)
def one(case_id: int) -> Any:
    """One inspection, if the drawn list's confidentiality lets the caller read it (404 otherwise)."""
    return inspection_view(fieldwork.case_view(db(), actor(), case_id))


@bp.route("/<int:case_id>/record", methods=["POST"])
@bp.arguments(RecordSchema)
@bp.response(200, InspectionSchema)
def record(body: dict[str, Any], case_id: int) -> Any:
    """The lead officer's on-site record: checklist answers, findings, unit state and photo ids."""
    fieldwork.record_onsite(db(), files(), actor(), case_id, body)
    return inspection_view(fieldwork.case_view(db(), actor(), case_id))


@bp.route("/plans/<int:plan_id>/dispatch", methods=["POST"])
@bp.response(200, DispatchedSchema)
def dispatch_plan(plan_id: int) -> Any:
    """Dispatch every assignment of the plan's draw in force to its officer pair (the organiser only)."""
    return {"dispatched": [case.id for case in dispatch.dispatch_plan(db(), actor(), plan_id)]}


@bp.route("/results", methods=["GET"])
@bp.arguments(ResultQuerySchema, location="query")
@bp.response(200, ResultPageSchema)
def results(query: dict[str, Any]) -> Any:
    """Published results (一公开), searchable by unit, date, item and conclusion."""
    return published_results(db(), ResultQuery(**query))
