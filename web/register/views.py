"""Register pages: search (paginated in SQL, scoped), the enterprise page (一企一档), admin edit forms."""

from __future__ import annotations

import math
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.errors import InvalidInput
from engine.register import accounts, changes, codes, queries
from engine.register.rows import ENTERPRISE_HEADERS, POINT_HEADERS
from web.auth.session import actor, login_required
from web.database import db
from web.register import bp


class SearchSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=200))
    mn = fields.String(load_default="", validate=validate.Length(max=64))
    region = fields.String(load_default="", validate=validate.Length(max=12))
    industry = fields.String(load_default="", validate=validate.Length(max=100))
    list_year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))
    list_medium = fields.String(load_default="", validate=validate.OneOf(["", *codes.MEDIA]))
    status = fields.String(load_default="", validate=validate.OneOf(["", *codes.STATUSES]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    raw = {key: value for key, value in request.args.items() if value != ""}
    try:
        query = SearchSchema().load(raw)
    except ValidationError:
        query = SearchSchema().load({})
    found = queries.search_enterprises(db(), actor(), queries.EnterpriseQuery(text=query.pop("q"), **query))
    return render_template("register/index.html", found=found, pages=max(1, math.ceil(found.total / found.per_page)),
                           query=raw, codes=codes)


@bp.get("/enterprises/<credit_code>")
@login_required
def enterprise(credit_code: str) -> ResponseReturnValue:
    return render_template("register/enterprise.html", dossier=queries.dossier(db(), actor(), credit_code),
                           codes=codes)


@bp.get("/enterprises/new")
@login_required
def new_enterprise() -> ResponseReturnValue:
    if not actor().is_admin:
        abort(403)
    return _form("enterprise", {}, None, {}, create=True)


@bp.get("/enterprises/<credit_code>/edit")
@login_required
def edit_enterprise(credit_code: str) -> ResponseReturnValue:
    cells, version = changes.enterprise_form(db(), actor(), credit_code)
    return _form("enterprise", cells, version, {}, create=False)


@bp.post("/enterprises")
@login_required
def save_enterprise() -> ResponseReturnValue:
    cells, create, version = _posted(ENTERPRISE_HEADERS)
    try:
        changes.save_enterprise(db(), actor(), cells, create=create, expected_version=version)
    except InvalidInput as error:
        db().rollback()
        return _form("enterprise", cells, version, error.fields, create=create), 422
    flash(f"已保存 {cells.get('单位名称', '')}")
    return redirect(url_for("register.enterprise", credit_code=cells["统一社会信用代码"]))


@bp.get("/points/new")
@login_required
def new_point() -> ResponseReturnValue:
    if not actor().is_admin:
        abort(403)
    return _form("point", {"统一社会信用代码": request.args.get("enterprise", "")}, None, {}, create=True)


@bp.get("/points/<mn>/edit")
@login_required
def edit_point(mn: str) -> ResponseReturnValue:
    cells, version = changes.point_form(db(), actor(), mn)
    return _form("point", cells, version, {}, create=False)


@bp.post("/points")
@login_required
def save_point() -> ResponseReturnValue:
    cells, create, version = _posted(POINT_HEADERS)
    try:
        result = changes.save_point(db(), actor(), cells, create=create, expected_version=version)
    except InvalidInput as error:
        db().rollback()
        return _form("point", cells, version, error.fields, create=create), 422
    flash(f"已保存点位 {cells.get('MN', '')}")
    code = result.record["credit_code"] if result.record else cells.get("统一社会信用代码", "")
    return redirect(url_for("register.enterprise", credit_code=code))


def _posted(headers: Any) -> tuple[dict[str, str], bool, int | None]:
    cells = {header: request.form.get(header, "").strip() for header in headers if header in request.form}
    version = request.form.get("version", "")
    return cells, request.form.get("create") == "1", int(version) if version.isdigit() else None


def _form(kind: str, cells: dict[str, str], version: int | None, errors: dict[str, list[str]], *,
          create: bool) -> str:
    headers = ENTERPRISE_HEADERS if kind == "enterprise" else POINT_HEADERS
    return render_template("register/form.html", kind=kind, headers=list(headers), cells=cells, version=version,
                           errors=[message for messages in errors.values() for message in messages], create=create)


@bp.post("/enterprises/<credit_code>/account")
@login_required
def create_account(credit_code: str) -> ResponseReturnValue:
    """Create the enterprise's log-in; the initial password is shown on this page once and never again."""
    password = accounts.create_account(db(), actor(), credit_code)
    return render_template("register/account.html", credit_code=credit_code, password=password)
