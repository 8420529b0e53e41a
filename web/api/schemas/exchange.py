from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from web.api.schemas.common import json_object, text
from web.params import moment


class PacketResultSchema(Schema):
    ok = fields.Boolean(required=True)
    outcome = fields.String(required=True, metadata={"enum": ["stored", "duplicate", "replaced", "ignored",
                                                              "refused"]})
    mn = fields.String(allow_none=True, required=True)
    cn = fields.String(allow_none=True, required=True)
    data_time = fields.DateTime(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    detail = fields.String(allow_none=True, required=True)
    anomalies = fields.List(fields.String(), required=True)


class AnomalyQuerySchema(Schema):
    pending = fields.Boolean(load_default=None, allow_none=True)
    since = moment(load_default=None, allow_none=True)
    enterprise = text(18, load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AnomalySchema(Schema):
    """An anomaly with its monitoring point and enterprise."""

    id = fields.Integer(required=True)
    factor = fields.String(required=True)
    anomaly_type = fields.String(required=True)
    cn = fields.String(required=True)
    period_start = fields.DateTime(required=True)
    period_end = fields.DateTime(required=True)
    values = fields.List(fields.Raw(), required=True)
    params = fields.Dict(required=True)
    pending = fields.Boolean(required=True)
    case_id = fields.Integer(allow_none=True, required=True)
    detected_at = fields.DateTime(required=True)
    cleared_at = fields.DateTime(allow_none=True, required=True)
    cleared_reason = fields.String(allow_none=True, required=True)
    point_mn = fields.String(required=True)
    point_name = fields.String(required=True)
    enterprise_code = fields.String(required=True)
    enterprise_name = fields.String(required=True)
    region_code = fields.String(required=True)

    @pre_dump
    def _flatten(self, row: Any, **_: Any) -> dict[str, Any]:
        anomaly = row.anomaly
        values = {name: getattr(anomaly, name) for name in
                  ("id", "factor", "anomaly_type", "cn", "period_start", "period_end", "values", "params", "pending",
                   "case_id", "detected_at", "cleared_at", "cleared_reason")}
        return {**values, "point_mn": row.point.mn, "point_name": row.point.name,
                "enterprise_code": row.enterprise.credit_code, "enterprise_name": row.enterprise.name,
                "region_code": row.enterprise.region_code}


class AnomalyPageSchema(Schema):
    items = fields.List(fields.Nested(AnomalySchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class RatingSchema(Schema):
    id = fields.Integer(required=True)
    enterprise_code = fields.String(required=True)
    enterprise_name = fields.String(required=True)
    region_code = fields.String(required=True)
    year = fields.Integer(required=True)
    level = fields.Integer(required=True, metadata={"description": "1 green … 4 red"})
    status = fields.String(required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    updated_at = fields.DateTime(required=True)


class RatingChangeSchema(Schema):
    id = fields.Integer(required=True)
    from_level = fields.Integer(allow_none=True, required=True)
    to_level = fields.Integer(required=True)
    reason = fields.String(required=True)
    instance_id = fields.Integer(allow_none=True, required=True)
    note = fields.String(required=True)
    changed_by = fields.String(required=True)
    changed_at = fields.DateTime(required=True)


class ObjectionRequestSchema(Schema):
    region_code = text(12, min_length=1, required=True)
    data = json_object(required=True, metadata={"description": "the objection form's fields"})


class ObjectionSchema(Schema):
    id = fields.Integer(required=True)
    rating_id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    enterprise_code = fields.String(required=True)
    status = fields.String(required=True)
    reasons = fields.String(required=True)
    requested_level = fields.Integer(allow_none=True, required=True)
    filed_by = fields.String(required=True)
    filed_at = fields.DateTime(required=True)
    result_level = fields.Integer(allow_none=True, required=True)
    result_note = fields.String(required=True)
    decided_by = fields.String(allow_none=True, required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)


class ReviewRequestSchema(Schema):
    """A review request (复核提请) of the tax department; ``data`` as ``engine.tax.review.TaxReviewRequest``."""

    region_code = text(12, min_length=1, required=True, metadata={"description": "the enterprise's county"})
    enterprise_code = text(18, min_length=1, required=True)
    data = json_object(required=True, metadata={
        "description": "request_no, tax_period (YYYY-MM), reason (abnormal_return | late_filing), reported[], note"})


class ReviewResultSchema(Schema):
    request_no = fields.String(required=True)
    instance_id = fields.Integer(required=True)
    enterprise_code = fields.String(required=True)
    tax_period = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["open", "escalated", "answered"]})
    received_at = fields.DateTime(required=True)
    due_at = fields.DateTime(required=True)
    overdue = fields.Boolean(required=True)
    escalated = fields.Boolean(required=True)
    conclusion = fields.String(allow_none=True, required=True)
    opinion = fields.String(required=True)
    reviewed = fields.Dict(allow_none=True, required=True)
    monitoring_figures = fields.Dict(allow_none=True, required=True)
    answered_by = fields.String(allow_none=True, required=True)
    answered_at = fields.DateTime(allow_none=True, required=True)


class FiguresQuerySchema(Schema):
    enterprise = text(18, min_length=1, required=True)
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
                           metadata={"example": "2026-10"})


class FiguresSchema(Schema):
    enterprise_code = fields.String(required=True)
    tax_period = fields.String(required=True)
    available = fields.Boolean(required=True)
    figures = fields.Dict(allow_none=True, required=True)
