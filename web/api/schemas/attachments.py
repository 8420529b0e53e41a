from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate


class UploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "PDF, image, Office document or ZIP of those"})


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    name = fields.String(required=True, attribute="display_name")
    size = fields.Integer(required=True)
    media_type = fields.String(required=True)
    uploaded_by = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


class LinkSchema(Schema):
    attachment_ids = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=50))
