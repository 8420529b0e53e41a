from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate

from engine.errors import InvalidInput
from engine.reports import builders, runs
from engine.reports.models import ReportStatus
from web.auth.session import actor, login_required
from web.database import db
from web.reports import bp, delivery

PENDING = (ReportStatus.QUEUED, ReportStatus.RUNNING)


class GenerateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(builders.KINDS)))
    period = fields.String(required=True, validate=validate.Length(max=7))
    industry = fields.String(load_default="", validate=validate.Length(max=100))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    template = "reports/_runs.html" if request.headers.get("HX-Request") else "reports/index.html"
    return _page(template, {}, {})


def _page(template: str, values: dict[str, str], errors: dict[str, object]) -> str:
    history = runs.visible(db(), actor())
    return render_template(template, runs=history, kinds=builders.KINDS, values=values, errors=errors,
                           pending=any(r.status in PENDING for r in history))


@bp.post("/")
@login_required
def generate() -> ResponseReturnValue:
    try:
        data = GenerateSchema().load(request.form.to_dict(), unknown="exclude")
        options = {"industry": data["industry"]} if data["kind"] == "supervision_ledger" and data["industry"] else {}
        runs.request(db(), actor(), data["kind"], data["period"], options)
    except (ValidationError, InvalidInput) as exc:
        db().rollback()
        if isinstance(exc, ValidationError):
            errors = exc.normalized_messages()
        else:  # the engine's message starts with the field's name
            errors = {exc.message.split(":", 1)[0]: [exc.message]}
        return _page("reports/index.html", request.form.to_dict(), errors), 422

    delivery.mark_queued()
    return redirect(url_for("reports.index"))


@bp.get("/<int:run_id>/download")
@login_required
def download(run_id: int) -> ResponseReturnValue:
    return delivery.file_response(run_id)


bp.teardown_request(delivery.start_queued)
