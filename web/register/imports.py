"""The import page: upload a file, see the preview, confirm it, download the refused rows as an error file.

The uploaded file waits under the instance folder (``register-imports/``) until
it is confirmed; confirming reads it again and writes the preview of that moment,
so what changed in between is taken into account.
"""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from engine.errors import InvalidFile
from engine.register import imports
from web.auth.session import actor, login_required
from web.database import db, settings
from web.register import bp

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
SUFFIXES = (".xlsx", ".csv")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "register-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stored(token: str) -> tuple[bytes, str]:
    if not _TOKEN.fullmatch(token):
        abort(404)
    matches = sorted(_folder().glob(f"{token}.*"))
    if not matches:
        abort(404)
    return matches[0].read_bytes(), matches[0].name


def _require_admin() -> None:
    if not actor().is_admin:
        abort(403)


@bp.get("/import")
@login_required
def import_page() -> ResponseReturnValue:
    _require_admin()
    return render_template("register/import.html", preview=None, token=None, error=None)


@bp.post("/import")
@login_required
def upload() -> ResponseReturnValue:
    _require_admin()
    upload = request.files.get("file")
    name = (upload.filename or "") if upload else ""
    suffix = Path(name).suffix.lower()
    if upload is None or suffix not in SUFFIXES:
        return render_template("register/import.html", preview=None, token=None,
                               error="请选择 .xlsx 或 .csv 文件"), 422
    data = upload.read(settings().max_upload_bytes + 1)
    try:
        preview = imports.preview(db(), actor(), data, name)
    except InvalidFile as error:
        return render_template("register/import.html", preview=None, token=None, error=error.message), 422
    token = secrets.token_urlsafe(24)
    (_folder() / f"{token}{suffix}").write_bytes(data)
    return render_template("register/import.html", preview=preview, token=token, error=None)


@bp.post("/import/<token>/confirm")
@login_required
def confirm(token: str) -> ResponseReturnValue:
    _require_admin()
    data, name = _stored(token)
    preview = imports.preview(db(), actor(), data, name)
    counts = imports.apply(db(), actor(), preview)
    flash(f"已导入：新增 {counts['add']}，修改 {counts['change']}，未变 {counts['same']}，拒绝 {counts['refused']}")
    if counts["refused"]:
        return redirect(url_for("register.import_page", refused=token))
    return redirect(url_for("register.index"))


@bp.get("/import/<token>/errors.xlsx")
@login_required
def error_file(token: str) -> ResponseReturnValue:
    _require_admin()
    data, name = _stored(token)
    content = imports.error_file(imports.preview(db(), actor(), data, name))
    return send_file(io.BytesIO(content), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name="名录导入错误.xlsx")
