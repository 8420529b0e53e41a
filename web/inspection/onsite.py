"""On-site inspection pages for the officers' phones (现场检查): my inspections, the checklist sheet, dispatch.

Thin views over :mod:`engine.inspection.onsite.fieldwork` and :mod:`engine.inspection.onsite.dispatch`.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidForm
from engine.inspection.onsite import dispatch, fieldwork
from web.auth.session import actor, login_required
from web.database import db, files

bp = Blueprint("inspection_onsite", __name__, url_prefix="/inspection/onsite")
ANSWER = re.compile(r"^c-(?P<item>[A-Za-z0-9_\-]{1,20})-(?P<point>\d{1,3})$")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("inspection/onsite/index.html", cases=fieldwork.my_inspections(db(), actor()))


@bp.get("/<int:case_id>")
@login_required
def sheet(case_id: int) -> ResponseReturnValue:
    current = fieldwork.case_view(db(), actor(), case_id)
    return render_template("inspection/onsite/sheet.html", current=current, errors={}, posted=MultiDict(),
                           points=fieldwork.checklist_points(current.view.items))


@bp.post("/<int:case_id>")
@login_required
def record(case_id: int) -> ResponseReturnValue:
    photos = [(f.stream, f.filename or "photo.jpg") for f in request.files.getlist("photo_files") if f.filename]
    try:
        fieldwork.record_onsite(db(), files(), actor(), case_id, submitted_record(request.form), photos)
    except InvalidForm as exc:
        current = fieldwork.case_view(db(), actor(), case_id)
        return render_template("inspection/onsite/sheet.html", current=current, errors=exc.fields,
                               posted=request.form, points=fieldwork.checklist_points(current.view.items)), 422
    flash(_("现场检查记录已提交，等待第二执法人员确认"), "success")
    return redirect(url_for("inspection_onsite.index"))


@bp.post("/plans/<int:plan_id>/dispatch")
@login_required
def dispatch_plan(plan_id: int) -> ResponseReturnValue:
    started = dispatch.dispatch_plan(db(), actor(), plan_id)
    flash(_("已派发 %(n)s 个检查任务", n=len(started)), "success")
    return redirect(request.referrer or url_for("inspection_onsite.index"))


def submitted_record(form: MultiDict[str, str]) -> dict[str, Any]:
    """The posted sheet as :class:`engine.inspection.onsite.fieldwork.OnsiteRecord` reads it."""
    answers = []
    for name, value in form.items():
        match = ANSWER.match(name)
        if match and value:
            answers.append({"item": match["item"], "point": int(match["point"]), "result": value,
                            "note": form.get(f"n-{match['item']}-{match['point']}", "")})
    return {"unit_status": form.get("unit_status", ""), "findings": form.get("findings", ""),
            "checklist": answers, "photos": [int(v) for v in form.getlist("photos") if v.isdigit()]}
