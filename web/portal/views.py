"""The enterprise portal: home (anomalies to explain, submissions, credit, notifications) and evidence library."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.credit.results import own_results as credit_results_of
from engine.errors import InvalidForm, InvalidInput
from engine.evidence import library as evidence
from engine.portal import overview as portal
from web.auth.session import actor, login_required
from web.database import db, files
from web.portal import bp


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    return render_template("portal/home.html", home=portal.home(db(), actor()))


@bp.get("/evidence")
@login_required
def evidence_library() -> ResponseReturnValue:
    return render_template("portal/evidence.html", items=portal.library(db(), actor()))


@bp.post("/evidence")
@login_required
def evidence_upload() -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("请选择要上传的文件 (no file)", fields={"file": ["必填 (required)"]})
    attachment = evidence.upload(db(), files(), actor(), upload.stream, upload.filename)
    flash(_("已上传：%(name)s", name=attachment.display_name), "success")
    return redirect(url_for("portal.evidence_library"))


@bp.get("/credit/objection")
@login_required
def objection() -> ResponseReturnValue:
    page = portal.objection_form(db(), actor())
    return render_template("portal/objection.html", view=page.view, form=page.form, values={}, errors={},
                           library=page.library)


@bp.post("/credit/objection")
@login_required
def objection_post() -> ResponseReturnValue:
    posted = request.form.to_dict(flat=False)
    try:
        row = portal.file_objection(db(), actor(), posted)
    except InvalidForm as exc:
        db().rollback()
        page = portal.objection_form(db(), actor())
        return render_template("portal/objection.html", view=page.view, form=page.form, values=posted,
                               errors=exc.fields, library=page.library), 422
    flash(_("异议已提交，请留意办理进度"), "success")
    return redirect(url_for("instances.show", instance_id=row.id))


@bp.get("/credit/results")
@login_required
def credit_results() -> ResponseReturnValue:
    """The enterprise's proposed and final ratings with the score breakdown and the facts behind each point."""
    who = actor()
    results = credit_results_of(db(), who, who.enterprise_code or "")
    return render_template("portal/credit_results.html", results=results)
from web.portal import start  # noqa: E402,F401
