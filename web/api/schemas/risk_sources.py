"""Schemas of the risk-sources API (环境风险源企业)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from engine.emergency.risk import plans, rules
from engine.emergency.risk.levels import RISK_LEVELS
from web.params import day


class ListArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    region_code = fields.String(load_default="", validate=validate.Length(max=12))
    level = fields.String(load_default="", validate=validate.OneOf(["", *RISK_LEVELS]))
    band = fields.String(load_default="", validate=validate.OneOf(["", *rules.BAND_NAMES]))
    plan_status = fields.String(load_default="", validate=validate.OneOf(["", *plans.PLAN_STATES]))
    text = fields.String(load_default="", validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class PlanStateSchema(Schema):
    status = fields.String(metadata={"description": "current / expiring / expired / in_progress / none"})
    filing_number = fields.String(allow_none=True)
    filed_on = day(allow_none=True)
    expires_on = day(allow_none=True)


class RiskSourceSchema(Schema):
    credit_code = fields.String()
    name = fields.String()
    region_code = fields.String()
    level = fields.String(metadata={"description": "general / larger / major, empty when not assessed (HJ 941-2018)"})
    assessed_on = day(allow_none=True)
    q = fields.Float(allow_none=True, metadata={"description": "Σ qi/Qi over the stored risk substances"})
    band = fields.String(metadata={"description": "Q0–Q3 under the current risk rules"})
    substances = fields.Integer()
    plan = fields.Nested(PlanStateSchema)


class RiskSourceListSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    rows = fields.List(fields.Nested(RiskSourceSchema))


class SubstanceSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    cas = fields.String(load_default="", validate=validate.Length(max=20))
    max_quantity_t = fields.Float(required=True, metadata={"description": "maximum quantity on site, tonnes"})
    critical_quantity_t = fields.Float(load_default=None, allow_none=True,
                                       metadata={"description": "tonnes; defaults to the chemicals library's"})
    critical_basis = fields.String(load_default="", validate=validate.Length(max=200))


class SubstancesSchema(Schema):
    substances = fields.List(fields.Nested(SubstanceSchema), required=True, validate=validate.Length(max=500))


class StoredSubstanceSchema(SubstanceSchema):
    updated_by = fields.String()
    updated_at = fields.DateTime()


class AssessmentInSchema(Schema):
    level = fields.String(required=True, validate=validate.OneOf(list(RISK_LEVELS)))
    assessed_on = day(required=True)
    expression = fields.String(load_default="", validate=validate.Length(max=200))


class AssessmentSchema(Schema):
    id = fields.Integer()
    level = fields.String()
    previous_level = fields.String()
    expression = fields.String()
    q_value = fields.Float(allow_none=True)
    assessed_on = day()
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class RiskSourceDetailSchema(Schema):
    source = fields.Nested(RiskSourceSchema)
    substances = fields.List(fields.Nested(StoredSubstanceSchema))
    assessments = fields.List(fields.Nested(AssessmentSchema))
    may_write = fields.Boolean()
