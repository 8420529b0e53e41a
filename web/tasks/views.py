"""Task lists and the task page: each view parses its input, calls one engine service and renders."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, fields, validate

from engine.errors import InvalidForm
from engine.tasks import actions as tasks
from engine.tasks import page as task_page
from engine.tasks import worklist
from web.auth.session import actor, login_required
from web.database import db
from web.form_args import load_form
from web.params import day
from web.tasks import bp

SORTS = tuple(worklist.SORTS)


class ListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    tab = fields.String(load_default="todo", validate=validate.OneOf([t.value for t in worklist.Tab]))
    process = fields.String(load_default=None, validate=validate.Length(max=100))
    kind = fields.String(load_default=None, validate=validate.Length(max=60))
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    enterprise = fields.String(load_default=None, validate=validate.Length(max=100))
    point = fields.String(load_default=None, validate=validate.Length(max=60))
    due_before = day(load_default=None)
    overdue = fields.Boolean(load_default=False)
    due_soon = fields.Boolean(load_default=False)
    sort = fields.String(load_default="due", validate=validate.OneOf(SORTS))
    desc = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=30, validate=validate.Range(min=5, max=worklist.MAX_PER_PAGE))


def _blank_to_none(args: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in args.items() if v != ""}


def _list_request(args: dict[str, object]) -> worklist.ListRequest:
    filters = worklist.TaskFilter(
        process_key=args["process"], kind=args["kind"], region_code=args["region"],  # type: ignore[arg-type]
        enterprise=args["enterprise"], point=args["point"], due_before=args["due_before"],  # type: ignore[arg-type]
        overdue=bool(args["overdue"]), due_soon=bool(args["due_soon"]),
    )
    return worklist.ListRequest(tab=worklist.Tab(str(args["tab"])), filters=filters, sort=str(args["sort"]),
                                descending=bool(args["desc"]), page=int(args["page"]),  # type: ignore[call-overload]
                                per_page=int(args["per_page"]))  # type: ignore[call-overload]


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    args = ListArgs().load(_blank_to_none(request.args.to_dict()))
    work = worklist.work_list(db(), actor(), _list_request(args))
    query = _blank_to_none(request.args.to_dict())
    tab_query = {k: v for k, v in query.items() if k not in ("tab", "page")}
    return render_template("tasks/index.html", work=work, args=args, query=query, tab_query=tab_query)


class BatchArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    task_ids = fields.List(fields.String(validate=validate.Length(max=36)), required=True,
                           validate=validate.Length(min=1, max=worklist.MAX_BATCH))
    opinion = fields.String(load_default="", validate=validate.Length(max=2000))


@bp.post("/batch")
@login_required
def batch() -> ResponseReturnValue:
    """批量审核: the same decision (通过) for each chosen task, with a result per task."""
    args = load_form(BatchArgs(), {"task_ids": request.form.getlist("task_ids"),
                                   "opinion": request.form.get("opinion", "")})
    data = {"decision": "accept", **({"opinion": args["opinion"]} if args["opinion"].strip() else {})}
    results = worklist.batch_complete(db(), actor(), args["task_ids"], data)
    return render_template("tasks/batch_result.html", results=results)


@bp.get("/<task_id>")
@login_required
def show(task_id: str) -> ResponseReturnValue:
    page = task_page.task_page(db(), actor(), task_id)
    values = task_page.as_posted(page.prefill)
    return render_template("tasks/show.html", page=page, values=values, errors={})


@bp.post("/<task_id>/complete")
@login_required
def complete(task_id: str) -> ResponseReturnValue:
    posted = request.form.to_dict(flat=False)
    try:
        task = task_page.submit(db(), actor(), task_id, posted)
    except InvalidForm as exc:
        db().rollback()
        page = task_page.task_page(db(), actor(), task_id)
        return render_template("tasks/show.html", page=page, values=posted, errors=exc.fields), 422
    flash(_("已提交：%(title)s", title=task.title), "success")
    return redirect(_back())


@bp.post("/<task_id>/draft")
@login_required
def draft(task_id: str) -> ResponseReturnValue:
    task_page.save_draft(db(), actor(), task_id, request.form.to_dict(flat=False))
    flash(_("已暂存，可稍后继续办理"), "info")
    return redirect(url_for("tasks.show", task_id=task_id))


def _back() -> str:
    """The list the user came from, else the default list (enterprise users go to their portal)."""
    me = actor()
    if me.enterprise_code and len(me.roles) == 1:
        return url_for("portal.home")
    return url_for("tasks.index")


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str) -> ResponseReturnValue:
    tasks.claim(db(), actor(), task_id)
    flash(_("已签收"), "success")
    return redirect(_after_claim(task_id))


@bp.post("/<task_id>/unclaim")
@login_required
def unclaim(task_id: str) -> ResponseReturnValue:
    tasks.unclaim(db(), actor(), task_id)
    flash(_("已取消签收"), "info")
    return redirect(_after_claim(task_id))


def _after_claim(task_id: str) -> str:
    return url_for("tasks.index") if request.form.get("back") == "list" else url_for("tasks.show", task_id=task_id)


from web.tasks import operations  # noqa: E402,F401
