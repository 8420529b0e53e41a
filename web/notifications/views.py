"""The notification centre: list, open (mark read and follow), mark all read, e-mail preferences, navbar badge."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, fields, validate

from engine.notifications import centre as notifications
from web.auth.session import actor, login_required
from web.database import db
from web.form_args import load_form
from web.notifications import bp


class ListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    unread = fields.Boolean(load_default=False)


class PreferenceArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    email = fields.String(load_default="", validate=validate.Length(max=254))
    email_enabled = fields.Boolean(load_default=False)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    args = ListArgs().load({k: v for k, v in request.args.to_dict().items() if v != ""})
    box = notifications.inbox(db(), actor(), page=args["page"], unread_only=args["unread"])
    return render_template("notifications/index.html", box=box, args=args,
                           preference=notifications.preferences(db(), actor()))


@bp.get("/badge")
@login_required
def badge() -> ResponseReturnValue:
    count = notifications.unread_count(db(), actor())
    return render_template("notifications/_badge.html", count=count)


@bp.post("/<int:notification_id>/open")
@login_required
def open_one(notification_id: int) -> ResponseReturnValue:
    note = notifications.open_notification(db(), actor(), notification_id)
    if note.task_id:
        return redirect(url_for("tasks.show", task_id=note.task_id))
    if note.instance_id:
        return redirect(url_for("instances.show", instance_id=note.instance_id))
    return redirect(url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def read_all() -> ResponseReturnValue:
    count = notifications.mark_all_read(db(), actor())
    flash(_("已将 %(count)s 条通知标为已读", count=count), "info")
    return redirect(url_for("notifications.index"))


@bp.post("/preferences")
@login_required
def save_preferences() -> ResponseReturnValue:
    args = load_form(PreferenceArgs(), {"email": request.form.get("email", ""),
                                        "email_enabled": request.form.get("email_enabled") in ("on", "1", "true")})
    notifications.save_preferences(db(), actor(), args["email"], args["email_enabled"])
    flash(_("通知设置已保存"), "success")
    return redirect(url_for("notifications.index"))
