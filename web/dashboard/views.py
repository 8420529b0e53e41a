from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.actors import Role
from engine.dashboard import figures as dashboard
from web.auth.session import actor, login_required
from web.dashboard import bp
from web.database import read_db

DEFAULT_PROCESS = "anomaly_closure"  # the closed loop the department watches most; "" shows every process


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    me = actor()
    if me.roles <= {Role.ENTERPRISE, Role.TAX_CLIENT}:
        return redirect(url_for("portal.home") if Role.ENTERPRISE in me.roles else url_for("tasks.index"))
    process = request.args.get("process", DEFAULT_PROCESS)[:100] or None
    return render_template("dashboard/index.html", board=dashboard.dashboard(read_db(), me, process_key=process),
                           process=process)
