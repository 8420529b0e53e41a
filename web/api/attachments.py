"""Evidence files: upload (id and sha256 back), the caller's library, scoped download."""

from __future__ import annotations

from typing import Any

from engine.evidence import library as evidence
from engine.evidence.filetypes import download_name
from web.api.core import ApiBlueprint
from web.api.schemas.attachments import AttachmentSchema, UploadSchema
from web.auth.session import actor
from web.database import db, files
from web.downloads import send_download

bp = ApiBlueprint("api_attachments", __name__, url_prefix="/api/v1/attachments", description="证明材料 (evidence)")


@bp.route("", methods=["POST"])
@bp.arguments(UploadSchema, location="files")
@bp.response(201, AttachmentSchema)
def upload(body: dict[str, Any]) -> Any:
    """Upload a file to the caller's evidence library (type checked by content; the same bytes give the same id)."""
    upload = body["file"]
    return evidence.upload(db(), files(), actor(), upload.stream, upload.filename or "upload")


@bp.route("", methods=["GET"])
@bp.response(200, AttachmentSchema(many=True))
def library() -> Any:
    """The caller's evidence library, newest first."""
    return evidence.library(db(), actor())


@bp.route("/<int:attachment_id>")
@bp.response(200, {"type": "string", "format": "binary"}, content_type="*/*",
             description="the file's bytes, with their detected media type")
def download(attachment_id: int) -> Any:
    """Download a file the caller owns, or evidence of a task whose instance it can see."""
    attachment, stream = evidence.open_attachment(db(), files(), actor(), attachment_id)
    return send_download(stream, download_name(attachment.display_name, attachment.media_type), attachment.media_type)
