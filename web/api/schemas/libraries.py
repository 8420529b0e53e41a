"""Schemas of the libraries API (应急资源库)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.emergency.library import kinds


class EntryVersionSchema(Schema):
    number = fields.Integer()
    status = fields.String()
    record = fields.Dict(data_key="fields", attribute="fields")
    attachments = fields.List(fields.Integer())
    source = fields.String()
    remarks = fields.String()
    drafted_by = fields.String()
    reviewed_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


class EntrySchema(Schema):
    id = fields.Integer()
    library = fields.String()
    title = fields.String()
    status = fields.String()
    published_version = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()


class EntryListSchema(Schema):
    total = fields.Integer()
    entries = fields.List(fields.Nested(EntrySchema))


class ListArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["draft", "under_review", "returned", "published"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))


class SearchArgsSchema(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
    library = fields.List(fields.String(validate=validate.OneOf(list(kinds.LIBRARIES))), load_default=list)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class HitSchema(Schema):
    entry_id = fields.Integer()
    library = fields.String()
    title = fields.String()
    snippet = fields.String(metadata={"description": "HTML-escaped excerpt with <mark> around each match"})
    rank = fields.Float()


class DraftSchema(Schema):
    record = fields.Dict(required=True, data_key="fields", metadata={"description": "the library's fields (GET /libraries/{library}/fields)"})
    source = fields.String(load_default="", validate=validate.Length(max=2000))


class SubmitSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class LibraryLinkSchema(Schema):
    relation = fields.String()
    entry = fields.Nested(EntrySchema)


class FieldSchema(Schema):
    name = fields.String()
    type = fields.String()
    zh = fields.String()
    en = fields.String()
    required = fields.Boolean()
    options = fields.List(fields.String())
