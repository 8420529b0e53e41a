from __future__ import annotations

from marshmallow import Schema, fields

STATES = ["ok", "unavailable", "not_configured"]


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "unavailable"]})
    database = fields.String(required=True, metadata={"enum": STATES})
    directory = fields.String(required=True, metadata={"enum": STATES})
