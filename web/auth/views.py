from __future__ import annotations

from urllib.parse import urlparse

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate

from engine.errors import AuthenticationFailed, DirectoryUnavailable, InvalidIdentity
from engine.services import identity
from web.auth import bp
from web.auth.session import current_actor, forget, remember
from web.database import db, settings
from web.i18n import LANGUAGES


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(max=200))
    next = fields.String(load_default="")


@bp.get("/login")
def login() -> ResponseReturnValue:
    return render_template("auth/login.html", next=request.args.get("next", ""))


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    try:
        form = LoginSchema().load(request.form.to_dict(), unknown="exclude")
    except ValidationError:
        return render_template("auth/login.html", error="请输入用户名和密码", next=""), 400
    try:
        actor = identity.login(db(), current_app.extensions.get("ecoloop.directory"), form["username"],
                               form["password"], allow_demo=not settings().production, client=request.remote_addr or "")
    except (AuthenticationFailed, DirectoryUnavailable, InvalidIdentity) as exc:
        db().commit()  # the failed attempt stays in the audit trail
        status = 503 if isinstance(exc, DirectoryUnavailable) else 401
        return render_template("auth/login.html", error=exc.message, next=form["next"],
                               username=form["username"]), status
    remember(actor)
    return redirect(_safe_next(form["next"]) or url_for("tasks.index"))


def _safe_next(target: str) -> str | None:
    """Only same-site paths, so the login page cannot redirect elsewhere."""
    parsed = urlparse(target)
    if target.startswith("/") and not target.startswith("//") and not parsed.netloc and not parsed.scheme:
        return target
    return None


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
    return redirect(_safe_next(request.form.get("next", "")) or url_for("tasks.index"))


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("tasks.index") if current_actor() else url_for("auth.login"))


@bp.app_context_processor
def _template_globals() -> dict[str, object]:
    return {"current_actor": current_actor}
