"""双随机 (random inspection): plans, verifiable draws and the officer's assignments — scoped as the pages."""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.inspection import assignments, draws, plans, public
from engine.inspection.verify import verify
from web.api.core import ApiBlueprint
from web.api.schemas.inspection import (
    AssignmentSchema,
    DrawSchema,
    PlanInSchema,
    PlanSchema,
    RedrawSchema,
    DrawVerificationSchema,
)
from web.auth.session import actor
from web.database import db
from web.inspection.views import today

bp = ApiBlueprint("api_inspection", __name__, url_prefix="/api/v1/inspection",
                  description="双随机、一公开 (random inspection)")


@bp.route("/plans")
@bp.response(200, PlanSchema(many=True))
def list_plans() -> Any:
    """Plans of the bodies in the caller's scope (reviewers, administrators), newest first."""
    return plans.visible(db(), actor())


@bp.route("/plans", methods=["POST"])
@bp.arguments(PlanInSchema)
@bp.response(201, PlanSchema)
def create_plan(body: dict[str, Any]) -> Any:
    """A draft plan of a city or county body; the caller (a reviewer of the body) becomes its organiser."""
    plan = plans.create(db(), actor(), plans.PlanInput(**{**body, "item_ids": tuple(body["item_ids"])}))
    return plan, 201, {"Location": url_for("api_inspection.get_plan", plan_id=plan.id)}


@bp.route("/plans/<int:plan_id>")
@bp.response(200, PlanSchema)
def get_plan(plan_id: int) -> Any:
    """One plan in scope."""
    return plans.get(db(), actor(), plan_id)


@bp.route("/plans/<int:plan_id>/draws", methods=["POST"])
@bp.arguments(RedrawSchema)
@bp.response(201, DrawSchema)
def commit_draw(body: dict[str, Any], plan_id: int) -> Any:
    """Freeze the inputs and record the seed commitment (organiser); a plan's second draw needs ``reason``."""
    draw = draws.commit(db(), actor(), plan_id, body["reason"])
    return public.draw(db(), draw.id)[0], 201


@bp.route("/draws/<int:draw_id>")
@bp.response(200, DrawSchema)
def get_draw(draw_id: int) -> Any:
    """A draw's public record: commitment, inputs hash, status; the seed once revealed."""
    return public.draw(db(), draw_id)[0]


@bp.route("/draws/<int:draw_id>/run", methods=["POST"])
@bp.response(200, DrawSchema)
def run_draw(draw_id: int) -> Any:
    """Run a committed draw (organiser); the list stays confidential — read it through ``/assignments``."""
    draws.run(db(), actor(), draw_id)
    return public.draw(db(), draw_id)[0]


@bp.route("/draws/<int:draw_id>/reveal", methods=["POST"])
@bp.response(200, DrawSchema)
def reveal_draw(draw_id: int) -> Any:
    """Publish the seed after the last planned inspection date (organiser or administrator); 409 before."""
    draws.reveal(db(), actor(), draw_id, today())
    return public.draw(db(), draw_id)[0]


@bp.route("/draws/<int:draw_id>/verification")
@bp.response(200, DrawVerificationSchema)
def verification(draw_id: int) -> Any:
    """Recompute a revealed draw from its inputs and seed; each check named (404 before the reveal)."""
    return verify(db(), draw_id, public=True)


@bp.route("/assignments")
@bp.response(200, AssignmentSchema(many=True))
def my_assignments() -> Any:
    """The caller's own units as an officer (the mobile-enforcement client's list); audited."""
    return assignments.assignments_for_officer(db(), actor())


@bp.route("/assignments/<int:assignment_id>")
@bp.response(200, AssignmentSchema)
def assignment(assignment_id: int) -> Any:
    """One assignment, if the confidentiality rule lets the caller read it (404 otherwise); audited."""
    return assignments.assignment_for(db(), actor(), assignment_id, today())
