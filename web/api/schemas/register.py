"""Schemas of the register API (enterprises and monitoring points)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.register import codes
from web.api.schemas.common import text
from web.params import day


class MembershipSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    medium = fields.String(required=True, validate=validate.OneOf(list(codes.MEDIA)),
                           metadata={"description": "water, air, soil, noise or risk (重点排污单位名录 per medium)"})


class EnterpriseInSchema(Schema):
    """An enterprise as the provincial platform pushes it; a field left out keeps its stored value."""

    credit_code = text(18, required=True, metadata={"description": "GB 32100 unified social credit code"})
    name = text(200)
    former_names = fields.List(text(200))
    region_code = text(12, metadata={"description": "GB/T 2260 code down to the county"})
    address = text(300)
    longitude = fields.Float(allow_none=True)
    latitude = fields.Float(allow_none=True)
    datum = fields.String(validate=validate.OneOf(["", *codes.DATUMS]))
    industry_code = text(5, metadata={"description": "GB/T 4754-2017, e.g. D4411"})
    industry = text(100, metadata={"description": "the industry's name"})
    permit_number = text(40)
    permit_class = fields.String(validate=validate.OneOf(["", *codes.PERMIT_CLASSES]))
    permit_valid_from = day(allow_none=True)
    permit_valid_to = day(allow_none=True)
    memberships = fields.List(fields.Nested(MembershipSchema))
    risk_level = fields.String(validate=validate.OneOf(["", *codes.RISK_LEVELS]),
                               metadata={"description": "HJ 941-2018: general, larger or major"})
    risk_assessed_on = day(allow_none=True)
    status = fields.String(validate=validate.OneOf(list(codes.STATUSES)))
    status_since = day(allow_none=True)
    contact_name = text(50)
    contact_phone = text(40)
    contact_email = text(120)


class EnterpriseSchema(EnterpriseInSchema):
    """An enterprise; list items leave out ``memberships`` (``key_unit`` says whether it is on any list)."""

    key_unit = fields.Boolean()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)


class EnterpriseQuerySchema(Schema):
    q = text(200, load_default="", metadata={"description": "credit code, or part of the (former) name"})
    mn = text(64, load_default="")
    region = text(12, load_default="", metadata={"description": "region code or its prefix"})
    industry = text(100, load_default="", metadata={"description": "GB/T 4754 code prefix or part of the name"})
    list_year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    list_medium = fields.String(load_default="", validate=validate.OneOf(["", *codes.MEDIA]))
    status = fields.String(load_default="", validate=validate.OneOf(["", *codes.STATUSES]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class EnterprisePageSchema(Schema):
    items = fields.List(fields.Nested(EnterpriseSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class FactorSchema(Schema):
    code = text(20, required=True, metadata={"description": "HJ 212-2017 factor code"})
    name = fields.String(dump_only=True)
    unit = text(20, load_default="")
    upper_limit = fields.Float(allow_none=True, load_default=None)
    lower_limit = fields.Float(allow_none=True, load_default=None)
    standard = text(60, load_default="", metadata={"description": "the limit's standard, e.g. GB 13223-2011"})
    range_lower = fields.Float(allow_none=True, load_default=None)
    range_upper = fields.Float(allow_none=True, load_default=None)


class SuspensionSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(list(codes.SUSPENSION_REASONS)))
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)


class PointInSchema(Schema):
    """A monitoring point; ``password`` (HJ 212 PW) is stored hashed and never returned."""

    mn = text(64, required=True)
    credit_code = text(18)
    name = text(200)
    outlet_code = text(40, metadata={"description": "the outlet's code in the discharge permit"})
    kind = fields.String(validate=validate.OneOf(list(codes.POINT_KINDS)))
    rtd_interval_s = fields.Integer(validate=validate.Range(min=1, max=86400))
    minute_interval_min = fields.Integer(validate=validate.Range(min=1, max=1440))
    monitoring_since = fields.DateTime()
    monitoring_until = fields.DateTime(allow_none=True)
    factors = fields.List(fields.Nested(FactorSchema))
    suspensions = fields.List(fields.Nested(SuspensionSchema), metadata={"description": "停运/检修 报备"})
    password = fields.String(load_only=True, validate=validate.Length(max=64))


class PointSchema(Schema):
    mn = fields.String()
    credit_code = fields.String()
    enterprise_name = fields.String()
    name = fields.String()
    outlet_code = fields.String()
    kind = fields.String()
    rtd_interval_s = fields.Integer()
    minute_interval_min = fields.Integer()
    monitoring_since = fields.DateTime()
    monitoring_until = fields.DateTime(allow_none=True)
    active = fields.Boolean()
    version = fields.Integer()
    factors = fields.List(fields.Nested(FactorSchema))
    suspensions = fields.List(fields.Nested(SuspensionSchema))


class PointQuerySchema(Schema):
    mn = text(64, load_default="", metadata={"description": "MN or its prefix"})
    enterprise = text(18, load_default="")
    region = text(12, load_default="")
    kind = fields.String(load_default="", validate=validate.OneOf(["", *codes.POINT_KINDS]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PointPageSchema(Schema):
    items = fields.List(fields.Nested(PointSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class EnterprisePatchSchema(EnterpriseInSchema):
    """The fields to change (``credit_code`` comes from the path)."""

    credit_code = text(18)


class PointPatchSchema(PointInSchema):
    """The fields to change (``mn`` comes from the path)."""

    mn = text(64)
