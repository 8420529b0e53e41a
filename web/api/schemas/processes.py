from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from web.api.schemas.common import text


class ProcessVersionSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    sha256 = fields.String(required=True)
    is_active = fields.Boolean(required=True)
    deployed_by = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)


class ProcessQuerySchema(Schema):
    key = text(100, load_default=None, metadata={"description": "only the versions of this process"})


class DeploySchema(Schema):
    bpmn = Upload(required=True, metadata={"description": "BPMN 2.0 XML; forms come from the shipped and deployed set"})
