"""The instance page (diagram with the path taken, audit timeline) and the instance search."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, fields, validate

from engine.errors import InstanceNotFound
from engine.instances import page as instance_page
from engine.instances import retention
from engine.instances import service as instances
from web.auth.session import actor, login_required
from web.database import db
from web.downloads import send_model_xml
from web.instances import bp

ADMIN_ACTIONS = {"suspend": instances.suspend, "resume": instances.resume, "terminate": instances.terminate}
STATUSES = ("running", "suspended", "completed", "terminated")


class SearchArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    process = fields.String(load_default=None, validate=validate.Length(max=100))
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    query = {k: v for k, v in request.args.to_dict().items() if v != ""}
    args = SearchArgs().load(query)
    found = instance_page.search(db(), actor(), instance_page.InstanceFilter(
        status=args["status"], process_key=args["process"], region_code=args["region"], text=args["q"],
        page=args["page"]))
    return render_template("instances/index.html", found=found, args=args, query=query)


@bp.get("/<int:instance_id>")
@login_required
def show(instance_id: int) -> ResponseReturnValue:
    try:
        page = instance_page.instance_page(db(), actor(), instance_id)
    except InstanceNotFound:  # finished long ago: moved to the archive, still readable in scope
        return render_template("instances/archived.html", view=retention.archived_overview(db(), actor(), instance_id))
    return render_template("instances/show.html", page=page)


@bp.get("/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: int) -> ResponseReturnValue:
    view = instances.overview(db(), actor(), instance_id)
    return send_model_xml(view.bpmn_xml, f"{view.instance.process_key}-{instance_id}.bpmn")


@bp.post("/<int:instance_id>/<any(suspend, resume, terminate):action>")
@login_required
def admin_action(instance_id: int, action: str) -> ResponseReturnValue:
    reason = request.form.get("reason", "")[:500]
    ADMIN_ACTIONS[action](db(), actor(), instance_id, reason)
    done = {"suspend": _("已挂起"), "resume": _("已恢复"), "terminate": _("已终止")}[action]
    flash(_("流程实例 %(id)s %(done)s", id=instance_id, done=done), "success")
    return redirect(url_for("instances.show", instance_id=instance_id))
