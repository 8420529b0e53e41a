"""Administration of process configuration: current values, versions, differences, edit (no redeploy)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate

from engine.errors import InvalidInput, ProcessNotFound
from engine.scoping import require_admin
from engine.workflow import configs
from web.admin import bp
from web.auth.session import actor, login_required
from web.database import db
from web.labels import process_label

ADMINS_ONLY = "仅管理员可访问 (administrators only)"

KEY = r"^[a-z][a-z0-9_]{0,99}$"


class DiffArgs(Schema):
    a = fields.Integer(load_default=None, validate=validate.Range(min=0, max=100_000))
    b = fields.Integer(load_default=None, validate=validate.Range(min=0, max=100_000))


def _process(process_key: str) -> str:
    if process_key not in configs.configurable_processes(db()):
        raise ProcessNotFound(f"process {process_key!r} has no configuration")
    return process_key


@bp.get("/config")
@login_required
def config_index() -> ResponseReturnValue:
    require_admin(actor(), ADMINS_ONLY)
    keys = configs.configurable_processes(db())
    return render_template("admin/config_list.html",
                           processes=[(key, configs.current_version(db(), key)) for key in keys])


@bp.get("/config/<process_key>")
@login_required
def config_show(process_key: str) -> ResponseReturnValue:
    require_admin(actor(), ADMINS_ONLY)
    return _page(_process(process_key), errors={}, submitted=None)


def _page(process_key: str, errors: dict[str, Any], submitted: Any) -> str:
    try:
        args = DiffArgs().load(request.args.to_dict(), unknown="exclude")
    except ValidationError as exc:
        raise InvalidInput("参数有误 (invalid arguments)", fields=exc.normalized_messages()) from None
    history = configs.versions(db(), process_key)
    by_version = {v.version: v for v in history}
    newer = by_version.get(args["b"] if args["b"] is not None else history[0].version, history[0])
    older = by_version.get(args["a"] if args["a"] is not None else max(newer.version - 1, 0), history[-1])
    return render_template(
        "admin/config_edit.html", process_key=process_key, schema=configs.bundled_schema(process_key),
        current=history[0], history=history, older=older, newer=newer,
        changes=configs.diff(older.values, newer.values), errors=errors, submitted=submitted,
    )


@bp.post("/config/<process_key>")
@login_required
def config_change(process_key: str) -> ResponseReturnValue:
    require_admin(actor(), ADMINS_ONLY)
    _process(process_key)
    submitted = {name: request.form.getlist(name) for name in request.form if name != "csrf_token"}
    try:
        config = configs.change_from_form(db(), actor(), process_key, submitted)
    except InvalidInput as exc:
        db().rollback()
        return _page(process_key, errors=exc.fields, submitted=submitted), 422
    flash(gettext("已保存 %(process)s 配置第 %(version)s 版；此后创建的待办按新配置办理",
                  process=process_label(process_key), version=config.version))
    return redirect(url_for("admin.config_show", process_key=process_key))
