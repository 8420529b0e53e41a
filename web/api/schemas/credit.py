"""Schemas of the credit feeds: published levels for the tax side, the random-inspection special class."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.api.schemas.common import text


class PublishedLevelQuerySchema(Schema):
    enterprise = text(18, load_default=None)
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class PublishedLevelSchema(Schema):
    enterprise_code = fields.String(required=True)
    enterprise_name = fields.String(required=True)
    region_code = fields.String(required=True)
    year = fields.Integer(required=True)
    level = fields.Integer(required=True, metadata={"description": "1 green … 4 red"})
    level_name = fields.String(required=True)
    colour = fields.String(required=True, metadata={"enum": ["green", "blue", "yellow", "red"]})
    published_at = fields.DateTime(allow_none=True, required=True)
