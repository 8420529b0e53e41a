"""修改密码: the page where a person changes the password, and the redirect of an account that must change it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from engine.errors import InvalidInput
from engine.identity import passwords as account_passwords
from engine.identity.passwords import PasswordPolicy
from engine.workflow import configs
from web.auth import bp
from web.auth.session import actor, current_actor, login_required
from web.database import db
from web.form_args import load_form

MUST_CHANGE = "must_change_password"
OPEN_WHILE_FORCED = frozenset({"auth.password", "auth.password_post", "auth.logout", "auth.language", "static"})


class PasswordForm(Schema):
    current = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new = fields.String(required=True, validate=validate.Length(min=1, max=200))
    repeated = fields.String(required=True, validate=validate.Length(min=1, max=200))


def password_policy() -> PasswordPolicy:
    """The password policy in force (流程配置 → ``password_policy``)."""
    return account_passwords.from_values(configs.current_values(db(), account_passwords.POLICY_KEY))


def _page(errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    me = actor()
    directory = current_app.extensions.get("ecoloop.directory")
    local = account_passwords.is_local(db(), me.username)
    return render_template(
        "auth/password.html", rules=password_policy().describe(), local=local,
        directory_change=not local and directory is not None and directory.password_change_allowed,
        directory_url=None if local or directory is None else directory.password_url or None,
        forced=bool(session.get(MUST_CHANGE)), errors=errors or {}), status


@bp.get("/account/password")
@login_required
def password() -> ResponseReturnValue:
    return _page()


@bp.post("/account/password")
@login_required
def password_post() -> ResponseReturnValue:
    form = load_form(PasswordForm(), request.form.to_dict())
    me, sid = actor(), session.get("sid")
    try:
        if account_passwords.is_local(db(), me.username):
            account_passwords.change_own(db(), me, form["current"], form["new"], form["repeated"], password_policy(),
                                         keep_session=sid)
        else:
            account_passwords.change_in_directory(db(), me, current_app.extensions.get("ecoloop.directory"),
                                                  form["current"], form["new"], form["repeated"], password_policy(),
                                                  keep_session=sid)
    except InvalidInput as exc:
        db().rollback()
        return _page(exc.details.get("fields"), 422)  # type: ignore[arg-type]
    session.pop(MUST_CHANGE, None)
    flash(_("密码已修改；其他设备上的登录和 API 令牌已失效"), "success")
    return redirect(url_for("auth.home"))


def mark_if_forced(username: str) -> bool:
    """At log-in: remember in the session that the account must change its password first."""
    forced = account_passwords.must_change(db(), username)
    if forced:
        session[MUST_CHANGE] = True
    return forced


@bp.before_app_request
def _send_to_password_page() -> ResponseReturnValue | None:
    """An account whose password was reset reaches nothing but the change page until it is changed."""
    if not session.get(MUST_CHANGE) or request.endpoint in OPEN_WHILE_FORCED or request.path.startswith("/api/"):
        return None
    if current_actor() is None:
        return None
    return redirect(url_for("auth.password"))
