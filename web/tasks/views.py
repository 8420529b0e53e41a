from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from engine.errors import InvalidForm
from engine.models import TaskStatus
from engine.services import evidence, tasks
from web.auth.session import actor, login_required
from web.database import db
from web.tasks import bp
from web.tasks.form_input import form_data

TABS = ("todo", "done")


class ListArgs(Schema):
    tab = fields.String(load_default="todo", validate=validate.OneOf(TABS))
    process = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    args = ListArgs().load(request.args.to_dict(), unknown="exclude")
    me = actor()
    if args["tab"] == "todo":
        query = tasks.TaskQuery(status=TaskStatus.READY, process_key=args["process"], page=args["page"])
    else:
        query = tasks.TaskQuery(status=None, completed_by=me.username, process_key=args["process"], page=args["page"])
    page = tasks.list_tasks(db(), me, query)
    return render_template("tasks/index.html", page=page, tab=args["tab"])


@bp.get("/<task_id>")
@login_required
def show(task_id: str) -> ResponseReturnValue:
    detail = tasks.task_detail(db(), actor(), task_id)
    library = evidence.library(db(), actor()) if detail.workable else []
    return render_template("tasks/show.html", detail=detail, library=library, values={}, errors={})


@bp.post("/<task_id>/complete")
@login_required
def complete(task_id: str) -> ResponseReturnValue:
    detail = tasks.task_detail(db(), actor(), task_id)
    data = form_data(detail.form, request.form)
    try:
        tasks.complete(db(), actor(), task_id, data)
    except InvalidForm as exc:
        db().rollback()
        library = evidence.library(db(), actor())
        return render_template("tasks/show.html", detail=tasks.task_detail(db(), actor(), task_id), library=library,
                               values=request.form, errors=exc.fields), 422
    flash(f"已提交：{detail.task.title}")
    return redirect(url_for("tasks.index"))


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str) -> ResponseReturnValue:
    tasks.claim(db(), actor(), task_id)
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/unclaim")
@login_required
def unclaim(task_id: str) -> ResponseReturnValue:
    tasks.unclaim(db(), actor(), task_id)
    return redirect(url_for("tasks.show", task_id=task_id))
