from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from engine.errors import InvalidInput
from engine.evidence import library as evidence
from engine.evidence.filetypes import download_name
from web.auth.session import actor, login_required
from web.database import db, files
from web.downloads import send_download
from web.evidence import bp


@bp.post("/")
@login_required
def upload() -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("请选择要上传的文件 (no file)", fields={"file": ["必填 (required)"]})
    attachment = evidence.upload(db(), files(), actor(), upload.stream, upload.filename)
    return jsonify(id=attachment.id, sha256=attachment.sha256, name=attachment.display_name,
                   size=attachment.size, media_type=attachment.media_type), 201


@bp.get("/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> ResponseReturnValue:
    attachment, stream = evidence.open_attachment(db(), files(), actor(), attachment_id)
    return send_download(stream, download_name(attachment.display_name, attachment.media_type), attachment.media_type)
