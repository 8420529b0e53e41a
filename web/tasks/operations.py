"""Approval operations on a task (驳回, 撤回, 转办, 委派, 抄送, 催办): thin views over engine.tasks.operations."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, fields, validate

from engine.identity.login import Directory
from engine.tasks import operations
from engine.errors import InvalidInput
from web.auth.session import actor, login_required
from web.database import db
from web.form_args import load_form
from web.redirects import same_site_referrer
from web.tasks import bp


class OperationArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    target = fields.String(load_default="", validate=validate.Length(max=100))
    targets = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list,
                          validate=validate.Length(max=50))
    opinion = fields.String(load_default="", validate=validate.Length(max=operations.MAX_NOTE))
    note = fields.String(load_default="", validate=validate.Length(max=operations.MAX_NOTE))


def _args() -> dict[str, object]:
    form = request.form
    targets = [t.strip() for value in form.getlist("targets") for t in value.replace("，", ",").split(",") if t.strip()]
    return load_form(OperationArgs(), {"target": form.get("target", "").strip(), "targets": targets,
                                       "opinion": form.get("opinion", ""), "note": form.get("note", "")})


def _refused(task_id: str, error: InvalidInput) -> ResponseReturnValue:
    """A refused choice of person: back to the task page with the engine's reason, nothing changed."""
    db().rollback()
    flash(_("操作未完成：%(reason)s", reason=error.message), "danger")
    return redirect(url_for("tasks.show", task_id=task_id))


def _directory() -> Directory | None:
    directory: Directory | None = current_app.extensions.get("ecoloop.directory")
    return directory


@bp.post("/<task_id>/return")
@login_required
def return_to(task_id: str) -> ResponseReturnValue:
    args = _args()
    created = operations.return_to(db(), actor(), task_id, str(args["target"]), str(args["opinion"]))
    flash(_("已驳回至「%(step)s」", step=created.title), "success")
    return redirect(url_for("tasks.index"))


@bp.post("/<task_id>/withdraw")
@login_required
def withdraw(task_id: str) -> ResponseReturnValue:
    reopened = operations.withdraw(db(), actor(), task_id)
    flash(_("已撤回，可重新办理"), "success")
    return redirect(url_for("tasks.show", task_id=reopened.id))


@bp.post("/<task_id>/transfer")
@login_required
def transfer(task_id: str) -> ResponseReturnValue:
    args = _args()
    try:
        task = operations.transfer(db(), actor(), _directory(), task_id, str(args["target"]), str(args["note"]))
    except InvalidInput as error:
        return _refused(task_id, error)
    flash(_("已转办给 %(person)s", person=task.assignee), "success")
    return redirect(url_for("tasks.index"))


@bp.post("/<task_id>/delegate")
@login_required
def delegate(task_id: str) -> ResponseReturnValue:
    args = _args()
    try:
        task = operations.delegate(db(), actor(), _directory(), task_id, str(args["target"]), str(args["note"]))
    except InvalidInput as error:
        return _refused(task_id, error)
    flash(_("已委派 %(person)s 提出意见", person=task.delegated_to), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/answer")
@login_required
def answer(task_id: str) -> ResponseReturnValue:
    args = _args()
    operations.answer_delegation(db(), actor(), task_id, str(args["opinion"]))
    flash(_("意见已回复"), "success")
    return redirect(url_for("tasks.index"))


@bp.post("/<task_id>/copy")
@login_required
def copy(task_id: str) -> ResponseReturnValue:
    args = _args()
    try:
        notes = operations.copy_to(db(), actor(), _directory(), task_id,
                                   list(args["targets"]), str(args["note"]))  # type: ignore[call-overload]
    except InvalidInput as error:
        return _refused(task_id, error)
    flash(_("已抄送 %(count)s 人", count=len(notes)), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/urge")
@login_required
def urge(task_id: str) -> ResponseReturnValue:
    args = _args()
    operations.urge(db(), actor(), task_id, str(args["note"]))
    flash(_("已催办"), "success")
    return redirect(same_site_referrer() or url_for("tasks.index"))
