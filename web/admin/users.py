"""Administration of users and roles: directory accounts (search, create, roles, disable) and local accounts."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from engine.actors import Role
from engine.errors import DirectoryUnavailable, InvalidInput
from engine.identity import directory_admin
from engine.identity import passwords as account_passwords
from engine.identity.directory_admin import DirectoryAdmin, NewDirectoryUser
from engine.identity import local_accounts
from web.admin import bp
from web.auth.password import password_policy
from web.auth.session import actor, login_required
from web.database import db
from web.labels import ROLE_LABELS

ROLES = [role.value for role in Role]
ROLE_NAMES = ROLE_LABELS  # one table of role names (web.labels)


class SearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))


class NewUserForm(Schema):
    login = fields.String(load_default="", validate=validate.Length(max=64))
    display_name = fields.String(load_default="", validate=validate.Length(max=100))
    password = fields.String(load_default="", validate=validate.Length(max=200))
    region_code = fields.String(load_default="", validate=validate.Length(max=12))
    credit_code = fields.String(load_default="", validate=validate.Length(max=18))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), load_default=list)
    kind = fields.String(load_default="directory", validate=validate.OneOf(("directory", "local")))


class MembershipForm(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    change = fields.String(required=True, validate=validate.OneOf(("add", "remove")))


class LoginForm(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=64))


class LocalStateForm(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    action = fields.String(required=True, validate=validate.OneOf(("disable", "enable")))


def _directory() -> DirectoryAdmin | None:
    directory: DirectoryAdmin | None = current_app.extensions.get("ecoloop.directory")
    return directory


def _load(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """:raises InvalidInput: naming the fields marshmallow refused."""
    try:
        loaded: dict[str, Any] = schema.load(data, unknown="exclude")
    except ValidationError as exc:
        fields_ = {name: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
                   for name, msgs in exc.normalized_messages().items()}
        raise InvalidInput("输入有误 (invalid input)", fields=fields_) from exc
    return loaded


def _form() -> dict[str, Any]:
    data: dict[str, Any] = request.form.to_dict()
    data["roles"] = request.form.getlist("roles")
    return data


@bp.get("/users")
@login_required
def user_list() -> ResponseReturnValue:
    query = _load(SearchArgs(), request.args.to_dict())["q"]
    try:
        found = directory_admin.search_users(db(), actor(), _directory(), query)
    except DirectoryUnavailable as exc:
        status = 503 if _directory() is not None else 200
        return render_template("admin/users.html", users=[], q=query, problem=exc.message, roles=ROLES,
                               role_names=ROLE_NAMES), status
    return render_template("admin/users.html", users=found, q=query, problem=None, roles=ROLES,
                           role_names=ROLE_NAMES)


@bp.get("/users/new")
@login_required
def user_new() -> ResponseReturnValue:
    state = local_accounts.directory_state(db(), actor(), _directory())
    values = {"kind": "directory" if state == "ok" else "local"}
    return render_template("admin/users_new.html", values=values, errors={}, roles=ROLES, role_names=ROLE_NAMES,
                           directory_state=state)


@bp.post("/users/new")
@login_required
def user_create() -> ResponseReturnValue:
    form = _load(NewUserForm(), _form())
    new = NewDirectoryUser(form["login"], form["display_name"], form["password"], form["region_code"],
                           tuple(form["roles"]), form["credit_code"] or None)
    try:
        if form["kind"] == "local":
            login = local_accounts.create_local_user(db(), actor(), new).username
        else:
            login = directory_admin.create_user(db(), actor(), _directory(), new).login
    except (InvalidInput, DirectoryUnavailable) as exc:
        db().rollback()
        values = {key: value for key, value in form.items() if key != "password"}
        state = local_accounts.directory_state(db(), actor(), _directory())
        status = 503 if isinstance(exc, DirectoryUnavailable) else 422
        return render_template("admin/users_new.html", values=values, errors=getattr(exc, "fields", {}),
                               message=exc.message, roles=ROLES, role_names=ROLE_NAMES,
                               directory_state=state), status
    if form["kind"] == "local":
        flash(_("已创建本地账号 %(login)s", login=login), "success")
        return redirect(url_for("admin.local_user_list"))
    flash(f"已创建用户 {login}")
    return redirect(url_for("admin.user_list", q=login))


@bp.post("/users/membership")
@login_required
def user_membership() -> ResponseReturnValue:
    form = _load(MembershipForm(), request.form.to_dict())
    change = directory_admin.add_to_group if form["change"] == "add" else directory_admin.remove_from_group
    change(db(), actor(), _directory(), form["login"], form["role"])
    verb = "授予" if form["change"] == "add" else "移除"
    flash(f"已为 {form['login']} {verb}角色 {ROLE_NAMES[form['role']]}")
    return redirect(url_for("admin.user_list", q=form["login"]))


@bp.post("/users/disable")
@login_required
def user_disable() -> ResponseReturnValue:
    login = _load(LoginForm(), request.form.to_dict())["login"]
    directory_admin.disable_user(db(), actor(), _directory(), login)
    flash(f"已停用用户 {login}")
    return redirect(url_for("admin.user_list", q=login))


@bp.get("/local-users")
@login_required
def local_user_list() -> ResponseReturnValue:
    found = directory_admin.list_local_users(db(), actor())
    return render_template("admin/users_local.html", users=found, role_names=ROLE_NAMES)


class ResetForm(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


@bp.post("/local-users/password")
@login_required
def local_user_password_reset() -> ResponseReturnValue:
    """Set a temporary password; the account must change it at its next log-in (sessions and tokens end)."""
    form = _load(ResetForm(), request.form.to_dict())
    account_passwords.reset(db(), actor(), form["username"], form["password"], password_policy())
    flash(_("已重置 %(user)s 的密码，该用户下次登录时须修改密码", user=form["username"]))
    return redirect(url_for("admin.local_user_list"))


@bp.post("/local-users/state")
@login_required
def local_user_state() -> ResponseReturnValue:
    form = _load(LocalStateForm(), request.form.to_dict())
    disabled = form["action"] == "disable"
    directory_admin.set_local_user_disabled(db(), actor(), form["username"], disabled)
    flash(f"已{'停用' if disabled else '启用'}本地账号 {form['username']}")
    return redirect(url_for("admin.local_user_list"))
