"""Pages of matching and data inspection: list (scoped in the engine), resolve, start a verification."""

from __future__ import annotations

import math
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.errors import Conflict, InvalidInput, NotFound
from engine.exchange.datacheck import findings, matching, rules
from engine.exchange.datacheck.models import FindingStatus
from engine.exchange.datacheck.rule_defaults import DEFAULTS, RULES, SOURCES
from engine.exchange.datacheck.run import run_month
from web import labels
from web.auth.session import actor, login_required
from web.database import db
from web.datacheck import bp


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    region = fields.String(load_default=None, validate=validate.Regexp(r"^44\d{0,4}$"))
    period = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}-\d{2}$"))
    rule = fields.String(load_default=None, validate=validate.OneOf(RULES))
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in FindingStatus]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class ResolveForm(Schema):
    class Meta:
        unknown = EXCLUDE

    resolution = fields.String(required=True)
    enterprise_code = fields.String(load_default=None)
    point_mn = fields.String(load_default=None)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


def _args() -> tuple[dict[str, Any], dict[str, str]]:
    raw = {key: value for key, value in request.args.items() if value != ""}
    try:
        return PageArgs().load(raw), raw
    except ValidationError:
        return PageArgs().load({}), {}


@bp.get("/matching")
@login_required
def matching_page() -> ResponseReturnValue:
    args, raw = _args()
    page = matching.unmatched(db(), actor(), region_prefix=args["region"], page=args["page"])
    return render_template("datacheck/matching.html", found=page, pages=max(1, math.ceil(page.total / page.page_size)),
                           counts=matching.counts_by_region(db(), actor()), query=raw,
                           history=matching.resolutions(db(), actor(), limit=20))


@bp.post("/matching/<any(taxpayer,tax_source):kind>/<path:record_key>")
@login_required
def resolve(kind: str, record_key: str) -> ResponseReturnValue:
    form = ResolveForm().load({k: v for k, v in request.form.items() if v != ""})
    try:
        matching.resolve(db(), actor(), kind, record_key, **form)
    except (InvalidInput, Conflict, NotFound) as error:
        db().rollback()
        flash(_message(error), "danger")
    else:
        flash(f"已处理 {record_key}", "success")
    return redirect(request.referrer or url_for("datacheck.matching_page"))


@bp.get("/findings")
@login_required
def findings_page() -> ResponseReturnValue:
    args, raw = _args()
    wanted = findings.FindingFilter(args["period"], args["rule"], args["status"], args["region"])
    page = findings.listing(db(), actor(), wanted, page=args["page"])
    return render_template("datacheck/findings.html", found=page, pages=max(1, math.ceil(page.total / page.page_size)),
                           query=raw, rule_names=labels.EXCHANGE_RULES, statuses=list(FindingStatus))


@bp.post("/findings/<int:finding_id>/verification")
@login_required
def verify(finding_id: int) -> ResponseReturnValue:
    try:
        instance = findings.start_verification(db(), actor(), finding_id, request.form.get("note", "")[:2000])
    except (Conflict, NotFound) as error:
        db().rollback()
        flash(_message(error), "danger")
        return redirect(url_for("datacheck.findings_page"))
    flash(f"已发起核实（事项 {instance.id}）", "success")
    return redirect(url_for("instances.show", instance_id=instance.id))


def _message(error: Exception) -> str:
    fields_ = getattr(error, "fields", None) or {}
    return "；".join([str(error), *[f"{name}: {'，'.join(texts)}" for name, texts in fields_.items()]])


@bp.get("/inspection-rules")
@login_required
def rules_page() -> ResponseReturnValue:
    return render_template("datacheck/rules.html", versions=rules.history(db(), actor()), defaults=DEFAULTS,
                           sources=SOURCES, rule_names=labels.EXCHANGE_RULES,
                           param_names=labels.EXCHANGE_RULE_PARAMS, errors={})


@bp.post("/inspection-rules")
@login_required
def save_rules() -> ResponseReturnValue:
    try:
        saved = rules.change_from_form(db(), actor(), request.form.to_dict(), request.form.get("note", "")[:2000])
    except InvalidInput as error:
        db().rollback()
        return render_template("datacheck/rules.html", versions=rules.history(db(), actor()), defaults=DEFAULTS,
                               sources=SOURCES, rule_names=labels.EXCHANGE_RULES,
                               param_names=labels.EXCHANGE_RULE_PARAMS, errors=error.fields), 422
    flash(f"数据监查规则已保存为第 {saved.version} 版", "success")
    return redirect(url_for("datacheck.rules_page"))


@bp.post("/inspection-runs")
@login_required
def run_now() -> ResponseReturnValue:
    month = request.form.get("month", "")
    try:
        result = run_month(db(), actor(), month)
    except InvalidInput as error:
        db().rollback()
        flash(_message(error), "danger")
    else:
        flash(f"{result.month}：新增 {sum(result.new.values())} 条，消除 {sum(result.cleared.values())} 条", "success")
    return redirect(url_for("datacheck.rules_page"))
