"""Schemas of the replay API (预演): start, poll, result."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.replay.spec import SCOPE_KINDS
from web.params import day


class ReplayDraftSchema(Schema):
    rules = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict,
                        metadata={"description": "rule or settings groups to change, e.g. {\"constant\": {\"count\": 4}}"})
    factors = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict,
                          metadata={"description": "per-factor overrides by MN and factor code, replacing the stored ones"})


class ReplayRequestSchema(Schema):
    draft = fields.Nested(ReplayDraftSchema, required=True)
    draft_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "the saved draft this replay is of (for activation)"})
    period_from = day(required=True, data_key="from", metadata={"example": "2026-10-01"})
    period_to = day(required=True, data_key="to", metadata={"example": "2026-10-31"})
    scope = fields.String(load_default="province", validate=validate.OneOf(SCOPE_KINDS))
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20),
                         metadata={"description": "city or county region code, or the enterprise's USCC"})


class ReplayRunSchema(Schema):
    id = fields.Integer(required=True)
    draft_id = fields.Integer(allow_none=True)
    status = fields.String(required=True, metadata={"description": "queued, running, done, failed or cancelled"})
    progress = fields.Float(required=True, metadata={"description": "share of the scope's points judged, 0 to 1"})
    period_from = day(required=True, data_key="from")
    period_to = day(required=True, data_key="to")
    scope_kind = fields.String(required=True, data_key="scope")
    scope_code = fields.String(required=True, data_key="code")
    requested_by = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    error = fields.String(required=True)


class ReplayResultSchema(Schema):
    id = fields.Integer(required=True)
    summary = fields.Dict(required=True, metadata={
        "description": "current and draft: findings {total, by_rule}, cases {total, by_rule, opened, no_longer_opened}, "
                       "by_city, by_industry; differences; changed parameters; rates (null unless validity or rates change)"})
    detail = fields.Dict(required=True, metadata={
        "description": "opened, no_longer_opened, changed: cases with enterprise, point and triggering readings"})
