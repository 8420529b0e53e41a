from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.services import instances
from web.auth.session import actor, login_required
from web.database import db
from web.instances import bp

ADMIN_ACTIONS = {"suspend": instances.suspend, "resume": instances.resume, "terminate": instances.terminate}


@bp.get("/<int:instance_id>")
@login_required
def show(instance_id: int) -> ResponseReturnValue:
    view = instances.overview(db(), actor(), instance_id)
    return render_template("instances/show.html", view=view)


@bp.get("/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: int) -> ResponseReturnValue:
    view = instances.overview(db(), actor(), instance_id)
    return Response(view.bpmn_xml, mimetype="application/xml")


@bp.post("/<int:instance_id>/<any(suspend, resume, terminate):action>")
@login_required
def admin_action(instance_id: int, action: str) -> ResponseReturnValue:
    reason = request.form.get("reason", "")[:500]
    ADMIN_ACTIONS[action](db(), actor(), instance_id, reason)
    flash(f"流程实例 {instance_id} 已{ {'suspend': '挂起', 'resume': '恢复', 'terminate': '终止'}[action] }")
    return redirect(url_for("instances.show", instance_id=instance_id))
