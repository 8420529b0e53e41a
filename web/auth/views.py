from __future__ import annotations

import math
from datetime import datetime

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from engine.db import utcnow
from engine.errors import (
    AccountLocked,
    AuthenticationFailed,
    DirectoryUnavailable,
    InvalidIdentity,
)
from engine.identity import login as identity
from engine.identity import preferences
from web.auth import bp
from web.auth.password import mark_if_forced
from web.auth.session import current_actor, forget, remember
from web.database import db, settings
from web.errors import status_of
from web.i18n import LANGUAGES
from web.labels import error_text
from web.redirects import safe_target
from web.ui import nav_of


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(max=200))
    next = fields.String(load_default="")


@bp.get("/login")
def login() -> ResponseReturnValue:
    return render_template("auth/login.html", next=safe_target(request.args.get("next")) or "")


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    try:
        form = LoginSchema().load(request.form.to_dict(), unknown="exclude")
    except ValidationError:
        return render_template("auth/login.html", error="请输入用户名和密码", next=""), 400
    try:
        actor = identity.login(db(), current_app.extensions.get("ecoloop.directory"), form["username"],
                               form["password"], allow_demo=not settings().production,
                               client=request.remote_addr or "", policy=current_app.extensions["ecoloop.lockout"])
    except (AuthenticationFailed, DirectoryUnavailable, InvalidIdentity) as exc:
        db().commit()  # the failed attempt and the failure count stay
        page = render_template("auth/login.html", error=error_text(exc), next=safe_target(form["next"]) or "",
                               username=form["username"])
        return page, status_of(exc), _retry_after(exc)
    remember(actor)
    if mark_if_forced(actor.username):
        flash(_("管理员已重置您的密码，请先设置新密码"))
        return redirect(url_for("auth.password"))
    return redirect(safe_target(form["next"]) or url_for("auth.home"))


def _retry_after(exc: Exception) -> dict[str, str]:
    """``Retry-After`` in seconds for a locked account."""
    if not isinstance(exc, AccountLocked):
        return {}
    until = datetime.fromisoformat(str(exc.details["retry_at"]))
    return {"Retry-After": str(max(1, math.ceil((until - utcnow()).total_seconds())))}


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    forget()
    flash("已退出登录")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> ResponseReturnValue:
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        me = current_actor()
        if me is not None:  # kept on the server too, so the next log-in (in any browser) speaks it
            preferences.choose_language(db(), me, chosen)
    return redirect(safe_target(request.form.get("next", "")) or url_for("tasks.index"))


@bp.get("/")
def home() -> ResponseReturnValue:
    me = current_actor()
    if me is None:
        return redirect(url_for("auth.login"))
    nav = nav_of(me)  # enterprises land on their portal, reviewers and admins on their dashboard
    return redirect(url_for("portal.home") if nav["portal"] else url_for("dashboard.index") if nav["dashboard"]
                    else url_for("tasks.index"))


@bp.app_context_processor
def _template_globals() -> dict[str, object]:
    return {"current_actor": current_actor}
