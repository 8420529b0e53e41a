"""Process models: versions, diagram, edit in the browser (bpmn-js modeler), check, deploy, activate, migrate."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import InvalidInput, InvalidModel
from engine.workflow import deployment as processes
from engine.workflow import migration as model_migration
from web.admin import bp
from web.auth.session import actor, login_required
from web.database import db
from web.downloads import send_model_xml

MAX_XML = 2 * 1024 * 1024


def _posted_xml() -> bytes:
    upload = request.files.get("bpmn")
    data = upload.read(MAX_XML + 1) if upload is not None and upload.filename else request.form.get("xml", "").encode()
    if not data.strip():
        raise InvalidInput("请提供 BPMN 模型 (no model)", fields={"bpmn": ["必填 (required)"]})
    return data


@bp.get("/processes")
@login_required
def process_list() -> ResponseReturnValue:
    return render_template("admin/processes.html", summaries=model_migration.overview(db(), actor()))


@bp.post("/processes")
@login_required
def process_deploy() -> ResponseReturnValue:
    model = processes.deploy_with_known_forms(db(), actor(), _posted_xml())
    flash(_("已部署 %(key)s 第 %(version)s 版", key=model.key, version=model.version), "success")
    return redirect(url_for("admin.process_detail", key=model.key))


@bp.get("/processes/<key>")
@login_required
def process_detail(key: str) -> ResponseReturnValue:
    found = model_migration.detail(db(), actor(), key, request.args.get("version", type=int))
    return render_template("admin/process_detail.html", key=key, versions=found.versions, model=found.model,
                           active=found.active, diff=found.diff)


@bp.get("/processes/models/<int:model_id>.bpmn")
@login_required
def process_xml(model_id: int) -> ResponseReturnValue:
    model = model_migration.stored_model(db(), actor(), model_id)
    return send_model_xml(model.bpmn_xml, f"{model.key}-v{model.version}.bpmn")


@bp.get("/processes/models/<int:model_id>/edit")
@login_required
def process_edit(model_id: int) -> ResponseReturnValue:
    model, active, _diff = model_migration.version_diff(db(), actor(), model_id)
    return render_template("admin/process_edit.html", model=model, active=active)


@bp.post("/processes/check")
@login_required
def process_check() -> ResponseReturnValue:
    try:
        result = model_migration.check_draft(db(), actor(), _posted_xml())
    except InvalidModel as exc:
        return jsonify(ok=False, message=exc.message), 200
    diff = result.diff
    return jsonify(ok=True, process=result.process_id, name=result.name, base_version=result.base_version,
                   added=diff.added if diff else [], removed=diff.removed if diff else [],
                   changed=diff.changed if diff else [])


@bp.post("/processes/models/<int:model_id>/activate")
@login_required
def process_activate(model_id: int) -> ResponseReturnValue:
    model = model_migration.activate(db(), actor(), model_id)
    flash(_("%(key)s 第 %(version)s 版已设为当前版本", key=model.key, version=model.version), "success")
    return redirect(url_for("admin.process_detail", key=model.key))


@bp.get("/processes/models/<int:model_id>/migrate")
@login_required
def process_migrate_preview(model_id: int) -> ResponseReturnValue:
    found = model_migration.migration_preview(db(), actor(), model_id)
    return render_template("admin/process_migrate.html", model=found.model, candidates=found.candidates)


@bp.post("/processes/models/<int:model_id>/migrate")
@login_required
def process_migrate(model_id: int) -> ResponseReturnValue:
    chosen = [int(v) for v in request.form.getlist("instance_ids") if v.isdigit() and len(v) <= 18]
    report = model_migration.migrate(db(), actor(), model_id, chosen)
    flash(_("已迁移 %(moved)s 个实例，%(refused)s 个未迁移", moved=len(report.moved), refused=len(report.refused)),
          "success" if not report.refused else "warning")
    for instance_id, reason in report.refused.items():
        flash(f"#{instance_id}: {reason}", "warning")
    return redirect(url_for("admin.process_migrate_preview", model_id=model_id))
