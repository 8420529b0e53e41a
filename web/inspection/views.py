"""Plans and draws: list, create, the plan page with its draws (commit, run, redraw, reveal) and the
confidential list; the officer's own units."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.calendar.workdays import SHANGHAI
from engine.db import utcnow
from engine.errors import InvalidInput
from engine.inspection import assignments, directory, draws, pages, plans
from engine.inspection.models import PlanKind
from web.auth.session import actor, login_required
from web.database import db
from web.inspection import bp
from web.params import day


def today() -> date:
    """Today in Asia/Shanghai: the confidentiality rule compares planned dates with it."""
    return utcnow().astimezone(SHANGHAI).date()


class PlanSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default=PlanKind.REGULAR, validate=validate.OneOf(list(PlanKind)))
    body_region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    period_start = day(required=True)
    period_end = day(required=True)
    inspect_from = day(required=True)
    inspect_to = day(required=True)
    item_ids = fields.List(fields.Integer(), load_default=list)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("inspection/index.html", plans=plans.visible(db(), actor()))


@bp.get("/plans/new")
@login_required
def new_plan() -> ResponseReturnValue:
    return _plan_form({"body_region_code": actor().region_code or "", "kind": request.args.get("kind", "regular")}, {})


def _plan_form(values: Mapping[str, Any], errors: Mapping[str, Any]) -> str:
    return render_template("inspection/plan_form.html", values=values, errors=errors,
                           items=directory.items(db(), active_only=True))


@bp.post("/plans")
@login_required
def create_plan() -> ResponseReturnValue:
    raw = {**request.form.to_dict(), "item_ids": request.form.getlist("item_ids")}
    try:
        data = PlanSchema().load(raw)
        plan = plans.create(db(), actor(), plans.PlanInput(**{**data, "item_ids": tuple(data["item_ids"])}))
    except ValidationError as error:
        return _plan_form(raw, error.normalized_messages()), 422
    except InvalidInput as error:
        db().rollback()
        return _plan_form(raw, error.fields), 422
    flash(f"已创建抽查计划 {plan.title}")
    return redirect(url_for("inspection.plan", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int) -> ResponseReturnValue:
    page = pages.plan_page(db(), actor(), plan_id, today(), request.args.get("target_q", "")[:100])
    return render_template("inspection/plan.html", page=page)


@bp.post("/plans/<int:plan_id>/targets")
@login_required
def add_targets(plan_id: int) -> ResponseReturnValue:
    try:
        chosen = [int(value) for value in request.form.getlist("object_ids")]
    except ValueError:
        raise InvalidInput("目标选择有误 (object_ids)", fields={"object_ids": ["须为检查对象编号"]}) from None
    added = plans.add_targets(db(), actor(), plan_id, chosen)
    flash(f"已加入 {added} 个专项行动目标")
    return redirect(url_for("inspection.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/draws")
@login_required
def commit_draw(plan_id: int) -> ResponseReturnValue:
    draw = draws.commit(db(), actor(), plan_id, request.form.get("reason", ""))
    flash(f"已冻结输入并登记承诺值 {draw.seed_commitment[:16]}…，可执行抽取")
    return redirect(url_for("inspection.plan", plan_id=plan_id))


@bp.post("/draws/<int:draw_id>/run")
@login_required
def run_draw(draw_id: int) -> ResponseReturnValue:
    draw = draws.run(db(), actor(), draw_id)
    flash(f"抽取完成，结果摘要 {(draw.result_hash or '')[:16]}…")
    return redirect(url_for("inspection.plan", plan_id=draw.plan_id))


@bp.post("/draws/<int:draw_id>/reveal")
@login_required
def reveal_draw(draw_id: int) -> ResponseReturnValue:
    draw = draws.reveal(db(), actor(), draw_id, today())
    flash("随机种子已公开，任何人可在公开页验证")
    return redirect(url_for("inspection.plan", plan_id=draw.plan_id))


@bp.get("/mine")
@login_required
def mine() -> ResponseReturnValue:
    return render_template("inspection/mine.html", views=assignments.assignments_for_officer(db(), actor()))
