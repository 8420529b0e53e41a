from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine import audit
from engine.errors import InvalidInput, NotAllowed
from engine.services import processes
from web.admin import bp
from web.auth.session import actor, login_required
from web.database import db


def _require_admin() -> None:
    if not actor().is_admin:
        raise NotAllowed("仅管理员可访问 (administrators only)")


@bp.get("/processes")
@login_required
def process_list() -> ResponseReturnValue:
    _require_admin()
    return render_template("admin/processes.html", models=processes.list_models(db()))


@bp.post("/processes")
@login_required
def process_deploy() -> ResponseReturnValue:
    _require_admin()
    upload = request.files.get("bpmn")
    if upload is None or not upload.filename:
        raise InvalidInput("请选择 BPMN 文件 (no file)", fields={"bpmn": ["必填 (required)"]})
    model = processes.deploy_with_known_forms(db(), actor(), upload.read())
    flash(f"已部署 {model.key} 第 {model.version} 版")
    return redirect(url_for("admin.process_list"))


@bp.get("/audit")
@login_required
def audit_page() -> ResponseReturnValue:
    _require_admin()
    return render_template("admin/audit.html", report=None)


@bp.post("/audit/verify")
@login_required
def audit_verify() -> ResponseReturnValue:
    _require_admin()
    report = audit.verify(db())
    audit.record(db(), actor(), "audit.verify", payload={"ok": report.ok, "checked": report.checked,
                                                         "broken_at": report.broken_at})
    return render_template("admin/audit.html", report=report)
