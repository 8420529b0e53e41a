"""Schemas of the matching and data-inspection API (匹配、数据监查)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from engine.exchange.datacheck.models import FindingStatus, RecordKind, Resolution
from engine.exchange.datacheck.rule_defaults import RULES

MONTH = validate.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$", error="须为 YYYY-MM，2000–2099 年 (expected YYYY-MM)")
REGION = validate.Regexp(r"^44\d{0,4}$", error="须为广东省行政区划代码或其前缀 (a Guangdong region code or prefix)")


class UnmatchedArgsSchema(Schema):
    region = fields.String(load_default=None, validate=REGION, metadata={"description": "region code prefix"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class UnmatchedSchema(Schema):
    kind = fields.String(metadata={"description": "taxpayer or tax_source"})
    record_key = fields.String()
    credit_code = fields.String()
    name = fields.String(metadata={"description": "the taxpayer's name, or the tax source number"})
    region_code = fields.String()
    outlet_code = fields.String()
    pollutant_code = fields.String()


class UnmatchedPageSchema(Schema):
    items = fields.List(fields.Nested(UnmatchedSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class ResolutionSchema(Schema):
    class Meta:
        unknown = RAISE

    resolution = fields.String(required=True, validate=validate.OneOf([r.value for r in Resolution]))
    enterprise_code = fields.String(load_default=None, validate=validate.Length(equal=18),
                                    metadata={"description": "a taxpayer's enterprise (linked)"})
    point_mn = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                             metadata={"description": "a tax source's monitoring point (linked)"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class MatchLinkSchema(Schema):
    id = fields.Integer()
    record_kind = fields.String(validate=validate.OneOf([k.value for k in RecordKind]))
    record_key = fields.String()
    region_code = fields.String()
    resolution = fields.String()
    enterprise_id = fields.Integer(allow_none=True)
    point_id = fields.Integer(allow_none=True)
    note = fields.String()
    resolved_by = fields.String()
    resolved_at = fields.DateTime()


class FindingArgsSchema(Schema):
    period = fields.String(load_default=None, validate=MONTH)
    rule = fields.String(load_default=None, validate=validate.OneOf(RULES))
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in FindingStatus]))
    region = fields.String(load_default=None, validate=REGION)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class FindingSchema(Schema):
    id = fields.Integer()
    rule = fields.String()
    period = fields.String()
    subject_key = fields.String()
    taxpayer_code = fields.String()
    region_code = fields.String()
    outlet_code = fields.String()
    pollutant = fields.String()
    declared = fields.Float(allow_none=True)
    observed = fields.Float(allow_none=True)
    limit = fields.Float(allow_none=True)
    rule_version = fields.Integer()
    status = fields.String()
    instance_id = fields.Integer(allow_none=True)
    found_at = fields.DateTime()
    conclusion = fields.String(allow_none=True)
    opinion = fields.String()
    verified_by = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)


class FindingPageSchema(Schema):
    items = fields.List(fields.Nested(FindingSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class FindingVerificationSchema(Schema):
    class Meta:
        unknown = RAISE

    note = fields.String(load_default="", validate=validate.Length(max=2000))


class RuleSetSchema(Schema):
    version = fields.Integer()
    params = fields.Dict()
    changed_by = fields.String()
    changed_at = fields.DateTime(allow_none=True)
    note = fields.String()


class RuleChangeSchema(Schema):
    class Meta:
        unknown = RAISE

    params = fields.Dict(required=True, metadata={"description": "every rule's parameters, each complete"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class RunRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    month = fields.String(required=True, validate=MONTH)


class RunResultSchema(Schema):
    month = fields.String()
    rule_version = fields.Integer()
    found = fields.Dict(keys=fields.String(), values=fields.Integer())
    new = fields.Dict(keys=fields.String(), values=fields.Integer())
    cleared = fields.Dict(keys=fields.String(), values=fields.Integer())
