"""Schemas of the random-inspection API (the mobile-enforcement client): my inspections, records, results."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from engine.inspection.onsite.fieldwork import CaseView, OnsiteRecord, checklist_points
from engine.inspection.onsite.models import Conclusion
from web.params import day


class InspectingOfficerSchema(Schema):
    name = fields.String(required=True)
    certificate_number = fields.String(required=True)
    username = fields.String(allow_none=True, required=True)


class ChecklistPointSchema(Schema):
    item = fields.String(required=True)
    item_name = fields.String(required=True)
    point = fields.Integer(required=True)
    text = fields.String(required=True)
    result = fields.String(metadata={"enum": ["ok", "problem", "na"]})
    note = fields.String()


class OpenStepSchema(Schema):
    task_id = fields.String(required=True, attribute="id")
    step = fields.String(required=True, attribute="spec_name")
    title = fields.String(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    form_key = fields.String(required=True)


class InspectionSchema(Schema):
    """An inspection as its officers see it (the unit is confidential until the planned date)."""

    id = fields.Integer(required=True)
    assignment_id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    status = fields.String(required=True)
    plan_id = fields.Integer(required=True)
    plan_title = fields.String(required=True)
    campaign = fields.Boolean(required=True)
    planned_date = day(required=True)
    unit_name = fields.String(required=True)
    enterprise_code = fields.String(required=True)
    region_code = fields.String(required=True)
    object_class = fields.String(required=True)
    officers = fields.List(fields.Nested(InspectingOfficerSchema), required=True)
    checklist = fields.List(fields.Nested(ChecklistPointSchema), required=True,
                            metadata={"description": "the recorded answers, else the points to answer"})
    unit_status = fields.String(allow_none=True, required=True)
    findings = fields.String(required=True)
    photos = fields.List(fields.Integer(), required=True)
    conclusion = fields.String(allow_none=True, required=True)
    correction_deadline = day(allow_none=True, required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    open_step = fields.Nested(OpenStepSchema, allow_none=True, required=True,
                              metadata={"description": "the step the caller works now (complete it through "
                                                       "/api/v1/tasks/{task_id}/complete, or /record)"})


def inspection_view(current: CaseView) -> dict[str, Any]:
    """An inspection's fields as :class:`InspectionSchema` dumps them."""
    case, view = current.case, current.view
    return {
        **{name: getattr(case, name) for name in (
            "id", "assignment_id", "instance_id", "status", "plan_id", "campaign", "planned_date", "unit_name",
            "enterprise_code", "region_code", "object_class", "unit_status", "findings", "photos", "conclusion",
            "correction_deadline", "published_at")},
        "plan_title": view.plan.title, "officers": list(view.officers),
        "checklist": case.checklist or checklist_points(view.items), "open_step": current.open_step}


class RecordSchema(OnsiteRecord):
    """The lead officer's on-site record: upload photos first (POST /api/v1/attachments), send their ids."""


class DispatchedSchema(Schema):
    dispatched = fields.List(fields.Integer(), required=True, metadata={"description": "the new inspection ids"})


class ResultQuerySchema(Schema):
    unit = fields.String(load_default="", validate=validate.Length(max=100))
    date_from = day(load_default=None)
    date_to = day(load_default=None)
    item = fields.String(load_default="", validate=validate.Length(max=20))
    conclusion = fields.String(load_default="", validate=validate.OneOf(["", *[c.value for c in Conclusion]]))
    region = fields.String(load_default="", validate=validate.Regexp(r"^(\d{2,6})?$"))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))


class PublicResultSchema(Schema):
    case_id = fields.Integer(required=True)
    unit_name = fields.String(required=True)
    enterprise_code = fields.String(required=True)
    region_code = fields.String(required=True)
    plan_title = fields.String(required=True)
    campaign = fields.Boolean(required=True)
    inspected_on = day(allow_none=True, required=True)
    items = fields.List(fields.String(), required=True)
    conclusion = fields.String(required=True)
    unit_status = fields.String(required=True)
    summary = fields.String(required=True)
    published_on = day(required=True)
    officers = fields.List(fields.Dict(keys=fields.String(), values=fields.String()), required=True)


class ResultPageSchema(Schema):
    results = fields.List(fields.Nested(PublicResultSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
