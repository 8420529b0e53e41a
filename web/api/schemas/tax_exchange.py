"""Schemas of the tax exchange API: batches in, records out, the sync status and the schedule."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from engine.exchange.categories import ENVIRONMENT_SIDE, TAX_SIDE, Category
from engine.exchange.ingest import MAX_RECORDS
from engine.exchange.outgoing import MAX_PULL
from engine.exchange.records import SCHEMAS

PERIOD = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$", error="须为 YYYY-MM 或 YYYY-MM-DD")


def record_ref(category: Category) -> dict[str, str]:
    """The OpenAPI reference of a category's record schema (registered by ``web.api.exchange.document``)."""
    return {"$ref": f"#/components/schemas/{SCHEMAS[category].__name__}"}


class BatchInSchema(Schema):
    """A batch the tax bureau pushes. ``checksum`` is the SHA-256 (hex) of the records list as canonical JSON
    (sorted keys, separators ``,`` and ``:``, UTF-8, non-ASCII kept)."""

    batch_no = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-.]{1,64}$"))
    category = fields.String(required=True, validate=validate.OneOf([c.value for c in TAX_SIDE]),
                             metadata={"description": "a tax-side category (the environment side's are pulled)"})
    period = fields.String(required=True, validate=PERIOD)
    sequence = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    record_count = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_RECORDS))
    checksum = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"))
    records = fields.List(fields.Raw(metadata={"oneOf": [record_ref(c) for c in TAX_SIDE]}), required=True,
                          validate=validate.Length(min=1, max=MAX_RECORDS),
                          metadata={"description": "records of the batch's category (schema per category)"})

    @post_load
    def _as_category(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "category": Category(data["category"])}


class ProblemItemSchema(Schema):
    field = fields.String(required=True)
    reason = fields.String(required=True)
    message = fields.String(required=True)


class RecordOutcomeSchema(Schema):
    position = fields.Integer(required=True)
    key = fields.String(required=True)
    outcome = fields.String(required=True, metadata={"enum": ["stored", "corrected", "unchanged", "refused"]})
    version = fields.Integer(allow_none=True, required=True)
    problems = fields.List(fields.Nested(ProblemItemSchema), required=True)


class BatchAnswerSchema(Schema):
    batch_no = fields.String(required=True)
    category = fields.String(required=True)
    period = fields.String(required=True)
    sequence = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["accepted", "partial", "refused"]})
    record_count = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    corrected = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    refused = fields.Integer(required=True)
    received_at = fields.String(required=True)
    resent = fields.Boolean(required=True, metadata={"description": "true: this batch was already received"})
    records = fields.List(fields.Nested(RecordOutcomeSchema), required=True)


class PullQuerySchema(Schema):
    cursor = fields.String(load_default="", validate=validate.Length(max=25),
                           metadata={"description": "the cursor of the previous page; empty for the beginning"})
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=MAX_PULL))


class PulledRecordSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    batch_no = fields.String(required=True)
    credit_code = fields.String(required=True)
    region_code = fields.String(required=True)
    period = fields.String(required=True)
    updated_at = fields.String(required=True)
    payload = fields.Dict(required=True, metadata={"oneOf": [record_ref(c) for c in ENVIRONMENT_SIDE]})


class PulledPageSchema(Schema):
    category = fields.String(required=True)
    records = fields.List(fields.Nested(PulledRecordSchema), required=True)
    cursor = fields.String(required=True, metadata={"description": "pass it back to get what changed since"})
    more = fields.Boolean(required=True)


class HistoryQuerySchema(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=200))


class RecordVersionSchema(Schema):
    version = fields.Integer(required=True)
    batch_id = fields.Integer(required=True)
    content = fields.Dict(required=True)
    replaced_at = fields.DateTime(allow_none=True, required=True, metadata={"description": "null: in force"})


class CategoryStatusSchema(Schema):
    category = fields.String(required=True)
    label = fields.String(required=True)
    direction = fields.String(required=True, metadata={"enum": ["in", "out"]})
    every = fields.String(required=True, metadata={"enum": ["day", "month", "event"]})
    last_batch_no = fields.String(allow_none=True, required=True)
    last_batch_at = fields.DateTime(allow_none=True, required=True)
    last_status = fields.String(allow_none=True, required=True)
    batches = fields.Integer(required=True)
    records_in = fields.Integer(required=True)
    records_out = fields.Integer(required=True)
    refused = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    lag_hours = fields.Float(allow_none=True, required=True)
    late = fields.Boolean(required=True)
    schedule_version = fields.Integer(required=True)


class ScheduleSchema(Schema):
    version = fields.Integer(required=True)
    rules = fields.Dict(required=True)
    changed_by = fields.String(required=True)
    changed_at = fields.DateTime(allow_none=True, required=True)


class ScheduleChangeSchema(Schema):
    rules = fields.Dict(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SupervisoryEntrySchema(Schema):
    rows = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=5000))


class SupervisoryStoredSchema(Schema):
    stored = fields.Integer(required=True)
