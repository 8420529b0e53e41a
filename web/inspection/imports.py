"""Directory import pages (officers, items, projects, a campaign's targets): upload, preview, confirm, error file.

As the register's import page: the upload waits under the instance folder until confirmed, and
confirming previews it again so that what changed in between counts.
"""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from engine.errors import InvalidFile
from engine.inspection import imports
from web.auth.session import actor, login_required
from web.database import db, settings
from web.inspection import bp

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind(kind: str) -> str:
    if kind not in imports.HEADERS:
        abort(404)
    return kind


def _plan_id() -> int | None:
    return request.args.get("plan", type=int)


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "inspection-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stored(token: str) -> bytes:
    path = _folder() / f"{token}.xlsx"
    if not _TOKEN.fullmatch(token) or not path.exists():
        abort(404)
    return path.read_bytes()


@bp.get("/import/<kind>")
@login_required
def import_page(kind: str) -> ResponseReturnValue:
    return render_template("inspection/import.html", kind=_kind(kind), plan_id=_plan_id(), preview=None, token=None,
                           error=None)


@bp.get("/import/<kind>/template.xlsx")
@login_required
def import_template(kind: str) -> ResponseReturnValue:
    return send_file(io.BytesIO(imports.template(_kind(kind))), mimetype=XLSX, as_attachment=True,
                     download_name=f"{kind}-模板.xlsx")


@bp.post("/import/<kind>")
@login_required
def import_upload(kind: str) -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not (upload.filename or "").lower().endswith(".xlsx"):
        return render_template("inspection/import.html", kind=_kind(kind), plan_id=_plan_id(), preview=None,
                               token=None, error="请选择 .xlsx 文件"), 422
    data = upload.read(settings().max_upload_bytes + 1)
    try:
        preview = imports.preview(db(), actor(), _kind(kind), data, _plan_id())
    except InvalidFile as error:
        return render_template("inspection/import.html", kind=kind, plan_id=_plan_id(), preview=None, token=None,
                               error=error.message), 422
    token = secrets.token_urlsafe(24)
    (_folder() / f"{token}.xlsx").write_bytes(data)
    return render_template("inspection/import.html", kind=kind, plan_id=_plan_id(), preview=preview, token=token,
                           error=None)


@bp.post("/import/<kind>/<token>/confirm")
@login_required
def import_confirm(kind: str, token: str) -> ResponseReturnValue:
    preview = imports.preview(db(), actor(), _kind(kind), _stored(token), _plan_id())
    counts = imports.apply(db(), actor(), preview, _plan_id())
    flash(f"已导入：新增 {counts['add']}，修改 {counts['change']}，拒绝 {counts['refused']}")
    plan_id = _plan_id()
    return redirect(url_for("inspection.plan", plan_id=plan_id) if plan_id else
                    url_for({"officers": "inspection.officers", "items": "inspection.items"}.get(
                        kind, "inspection.objects")))


@bp.get("/import/<kind>/<token>/errors.xlsx")
@login_required
def import_errors(kind: str, token: str) -> ResponseReturnValue:
    preview = imports.preview(db(), actor(), _kind(kind), _stored(token), _plan_id())
    return send_file(io.BytesIO(imports.error_file(preview)), mimetype=XLSX, as_attachment=True,
                     download_name="导入错误.xlsx")
