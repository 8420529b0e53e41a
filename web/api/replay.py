"""Replay (预演) of a draft anomaly rule set: start, poll, result, cancel; administrators only, audited."""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.replay import runs
from engine.replay.spec import Period, Scope
from web.api.core import ApiBlueprint
from web.api.schemas.replay import ReplayRequestSchema, ReplayResultSchema, ReplayRunSchema
from web.auth.session import actor
from web.database import db
from web.replay import worker

bp = ApiBlueprint("api_replay", __name__, url_prefix="/api/v1/monitoring/replays",
                  description="规则预演 (anomaly rule replay)")


@bp.route("", methods=["POST"])
@bp.arguments(ReplayRequestSchema)
@bp.response(202, ReplayRunSchema, headers={"Location": {"schema": {"type": "string"}}})
def start(body: dict[str, Any]) -> Any:
    """Queue a replay of the draft; poll the run until ``status`` is ``done``, then read its result."""
    period = Period.parse(body["period_from"], body["period_to"])
    run = runs.request(db(), actor(), body["draft"], period, Scope.parse(body["scope"], body["code"]),
                       draft_id=body["draft_id"])
    worker.mark_queued()
    return run, 202, {"Location": url_for("api_replay.poll", run_id=run.id)}


@bp.route("/<int:run_id>")
@bp.response(200, ReplayRunSchema)
def poll(run_id: int) -> Any:
    """The replay's state and progress."""
    return runs.get(db(), actor(), run_id)


@bp.route("/<int:run_id>/result")
@bp.response(200, ReplayResultSchema)
def result(run_id: int) -> Any:
    """The summary and the case lists of a finished replay (409 until it is done)."""
    return runs.finished(db(), actor(), run_id)


@bp.route("/<int:run_id>/cancel", methods=["POST"])
@bp.response(200, ReplayRunSchema)
def cancel(run_id: int) -> Any:
    """Stop a queued or running replay (409 when it has finished)."""
    return runs.cancel(db(), actor(), run_id)


bp.teardown_request(worker.start_queued)
