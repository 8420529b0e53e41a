"""Administration of anomaly rules: default parameters per rule, limits and overrides per factor (audited)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from engine.errors import InvalidInput
from engine.monitoring import registry, rules
from web.auth.session import actor, login_required
from web.database import db
from web.labels import RULES, label

bp = Blueprint("admin_rules", __name__, url_prefix="/admin/rules")


class FactorForm(Schema):
    """A factor's limits (empty clears one) and its rule overrides as a JSON object."""

    class Meta:
        unknown = EXCLUDE

    upper_limit = fields.Float(allow_none=True, load_default=None)
    lower_limit = fields.Float(allow_none=True, load_default=None)
    range_upper = fields.Float(allow_none=True, load_default=None)
    range_lower = fields.Float(allow_none=True, load_default=None)
    rule_params = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=4000))

    @pre_load
    def _blank_is_none(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {key: (None if value == "" else value) for key, value in data.items()}


def rule_params_from_form(key: str, form: Any) -> dict[str, Any]:
    """Read one rule's inputs by the type of its defaults (the engine checks ranges and names errors)."""
    params: dict[str, Any] = {}
    for name, default in rules.DEFAULTS[key].items():
        raw = form.get(name, "")
        if isinstance(default, bool):
            params[name] = raw in ("on", "true", "1")
        elif isinstance(default, list):
            params[name] = [flag for flag in raw.replace(",", " ").upper().split() if flag]
        elif isinstance(default, (int, float)):
            try:
                number = float(raw)
                params[name] = int(number) if isinstance(default, int) and number.is_integer() else number
            except ValueError:
                params[name] = raw
        else:
            params[name] = raw
    return params


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return _rules_page({}, None)


def _rules_page(errors: dict[str, list[str]], failed_key: str | None) -> str:
    return render_template("admin/rules.html", table=rules.rule_table(db(), actor()), errors=errors,
                           failed_key=failed_key)


@bp.post("/<key>")
@login_required
def update(key: str) -> ResponseReturnValue:
    rules.require_known(key)
    try:
        rules.update_rule(db(), actor(), key, rule_params_from_form(key, request.form))
    except InvalidInput as exc:
        db().rollback()
        return _rules_page(exc.fields, key), 422
    flash(gettext("已保存规则 %(rule)s 的参数", rule=label(RULES, key)))
    return redirect(url_for("admin_rules.index"))


@bp.get("/points")
@login_required
def point() -> ResponseReturnValue:
    mn = request.args.get("mn", "").strip()[:64]
    return _point_page(mn, {})


def _point_page(mn: str, errors: dict[str, list[str]]) -> str:
    found, enterprise, factors = registry.point_with_factors(db(), actor(), mn)
    return render_template("admin/rules_point.html", point=found, enterprise=enterprise, factors=factors,
                           errors=errors, json=json)


@bp.post("/points/<mn>/factors/<int:factor_id>")
@login_required
def update_factor(mn: str, factor_id: int) -> ResponseReturnValue:
    try:
        data = FactorForm().load(request.form.to_dict())
        overrides = json.loads(data.pop("rule_params") or "{}")
    except ValidationError as exc:
        return _point_page(mn, exc.normalized_messages()), 422
    except json.JSONDecodeError as exc:
        return _point_page(mn, {"rule_params": [f"不是有效的 JSON (invalid JSON): {exc.msg}"]}), 422
    try:
        registry.update_factor(db(), actor(), factor_id, limits=data, rule_params=overrides)
    except InvalidInput as exc:
        db().rollback()
        return _point_page(mn, exc.fields), 422
    flash(gettext("已保存监测因子的限值与规则参数"))
    return redirect(url_for("admin_rules.point", mn=mn))
