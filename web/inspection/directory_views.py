"""The directories: objects with their classes (manual adjustment with reason), officers, items."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.errors import InvalidInput
from engine.inspection import classes, directory
from engine.inspection import rules as draw_rules
from engine.inspection.models import ObjectClass
from web.auth.session import actor, login_required
from web.database import db
from web.inspection import bp
from web.inspection.views import today


class ObjectQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=100))
    object_class = fields.String(load_default="", validate=validate.OneOf(["", *ObjectClass]))


class AdjustSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    to_class = fields.String(load_default="", validate=validate.OneOf(["", *ObjectClass]))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


@bp.get("/objects")
@login_required
def objects() -> ResponseReturnValue:
    try:
        query = ObjectQuery().load(request.args.to_dict())
    except ValidationError:
        query = ObjectQuery().load({})
    found = directory.objects_in_scope(db(), actor(), object_class=query["object_class"] or None, query=query["q"])
    return render_template("inspection/objects.html", found=found, query=query)


@bp.post("/objects/<int:object_id>/class")
@login_required
def adjust_class(object_id: int) -> ResponseReturnValue:
    try:
        data = AdjustSchema().load(request.form.to_dict())
    except ValidationError as error:
        raise InvalidInput("调整监管类别须填写理由 (reason required)", fields=error.normalized_messages()) from None
    obj = classes.adjust(db(), actor(), object_id, data["to_class"] or None, data["reason"])
    flash(f"{obj.display_name} 的监管类别已调整")
    return redirect(url_for("inspection.objects", q=obj.enterprise_code))


@bp.post("/objects/classify")
@login_required
def classify() -> ResponseReturnValue:
    if not actor().is_admin:
        abort(403)
    directory.sync_units(db(), actor())
    totals = classes.recompute(db(), actor(), today())
    flash(f"已从企业名录同步并重新分类：特殊 {totals['special']}，重点 {totals['key']}，一般 {totals['general']}")
    return redirect(url_for("inspection.objects"))


@bp.get("/officers")
@login_required
def officers() -> ResponseReturnValue:
    return render_template("inspection/officers.html", officers=directory.officers_in_scope(db(), actor()))


@bp.get("/items")
@login_required
def items() -> ResponseReturnValue:
    return render_template("inspection/items.html", items=directory.items(db()))


@bp.get("/rules")
@login_required
def rules_page() -> ResponseReturnValue:
    return _rules(None, {})


def _rules(text: str | None, errors: dict[str, list[str]]) -> str:
    shown = draw_rules.current(db())
    return render_template("inspection/rules.html", version=shown, errors=errors,
                           text=text if text is not None else json.dumps(shown.rules, ensure_ascii=False, indent=2))


@bp.post("/rules")
@login_required
def rules_save() -> ResponseReturnValue:
    text = request.form.get("rules", "")
    try:
        draw_rules.change_from_text(db(), actor(), text, request.form.get("note", ""))
    except InvalidInput as error:
        db().rollback()
        return _rules(text, error.fields), 422
    flash("抽查规则已保存为新版本，之后创建的计划适用")
    return redirect(url_for("inspection.rules_page"))
