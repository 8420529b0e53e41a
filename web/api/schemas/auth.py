from __future__ import annotations

from marshmallow import Schema, fields

from web.api.schemas.common import text


class TokenRequestSchema(Schema):
    username = text(100, min_length=1, required=True)
    password = text(200, min_length=1, required=True, load_only=True)


class ActorSchema(Schema):
    username = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    region_code = fields.String(allow_none=True, required=True)
    enterprise_code = fields.String(allow_none=True, required=True)
    display_name = fields.String(required=True)


class AccessTokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    actor = fields.Nested(ActorSchema, required=True)


class UserTokenSchema(Schema):
    id = fields.String(required=True, metadata={"description": "the token's id (not its secret)"})
    username = fields.String(required=True)
    client = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)


class EndedSchema(Schema):
    ended = fields.Integer(required=True)
