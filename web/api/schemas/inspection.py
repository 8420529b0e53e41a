"""Schemas of the random-inspection API (plans, draws, the officer's assignments)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.inspection.models import PlanKind
from web.api.schemas.common import text
from web.params import day

QUOTA_DESCRIPTION = ("per class (special, key, general; or campaign): exactly one of {\"ratio\": 0–1}, "
                     "{\"count\": n}, {\"per_officer_per_year\": n}; left out: the draw rules' defaults")


class PlanInSchema(Schema):
    title = text(200, required=True)
    kind = fields.String(load_default=PlanKind.REGULAR, validate=validate.OneOf(list(PlanKind)))
    body_region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"),
                                     metadata={"description": "the city or county bureau's GB/T 2260 code"})
    period_start = day(required=True)
    period_end = day(required=True)
    inspect_from = day(required=True, metadata={"description": "first day planned inspections may fall on"})
    inspect_to = day(required=True)
    item_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=100))
    quotas = fields.Dict(load_default=None, metadata={"description": QUOTA_DESCRIPTION})
    note = text(2000, load_default="")


class PlanSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    body_region_code = fields.String()
    body_level = fields.String()
    period_start = day()
    period_end = day()
    inspect_from = day()
    inspect_to = day()
    quotas = fields.Dict()
    rule_set_version = fields.Integer()
    status = fields.String(metadata={"description": "draft, drawn or closed"})
    organiser = fields.String()
    created_at = fields.DateTime()


class RedrawSchema(Schema):
    reason = text(2000, load_default="", metadata={"description": "required for a redraw; published"})


class DrawSchema(Schema):
    """A draw as anyone may see it: the seed only once revealed."""

    id = fields.Integer()
    plan_id = fields.Integer()
    sequence = fields.Integer()
    status = fields.String(metadata={"description": "committed, drawn, revealed or superseded"})
    algorithm = fields.String()
    seed_commitment = fields.String(metadata={"description": "hex sha256 of the seed, recorded before the draw"})
    inputs_hash = fields.String(metadata={"description": "hex sha256 of the canonical frozen inputs"})
    result_hash = fields.String(allow_none=True)
    redraw_of_id = fields.Integer(allow_none=True)
    redraw_reason = fields.String()
    committed_at = fields.DateTime()
    drawn_at = fields.DateTime(allow_none=True)
    revealed_at = fields.DateTime(allow_none=True)
    seed = fields.String(allow_none=True)


class CheckSchema(Schema):
    name = fields.String(metadata={"description": "seed, inputs, audit or result"})
    ok = fields.Boolean()
    detail = fields.String()


class DrawVerificationSchema(Schema):
    draw_id = fields.Integer()
    ok = fields.Boolean()
    recomputed_hash = fields.String(allow_none=True)
    checks = fields.List(fields.Nested(CheckSchema))


class DrawnOfficerSchema(Schema):
    name = fields.String()
    certificate_number = fields.String()


class ItemSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    legal_basis = fields.String()
    checklist = fields.List(fields.String())


class AssignmentSchema(Schema):
    """One drawn unit with its officers and planned date (confidential before that date)."""

    id = fields.Integer(attribute="assignment.id")
    plan_id = fields.Integer(attribute="plan.id")
    plan_title = fields.String(attribute="plan.title")
    draw_id = fields.Integer(attribute="draw.id")
    planned_date = day(attribute="assignment.planned_date")
    object_class = fields.String(attribute="assignment.object_class")
    object_id = fields.Integer(attribute="object.id")
    unit = fields.String(attribute="object.display_name")
    enterprise_code = fields.String(attribute="object.enterprise_code")
    region_code = fields.String(attribute="object.region_code")
    officers = fields.List(fields.Nested(DrawnOfficerSchema))
    items = fields.List(fields.Nested(ItemSchema))
