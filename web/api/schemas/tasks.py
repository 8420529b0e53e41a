from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.api.schemas.common import json_object, text

STATUSES = ("ready", "completed", "cancelled", "returned", "withdrawn", "any")


class TaskQuerySchema(Schema):
    status = fields.String(load_default="ready", validate=validate.OneOf(STATUSES))
    process = text(100, load_default=None, metadata={"description": "process key"})
    region = text(12, load_default=None, metadata={"description": "region code or its prefix"})
    enterprise = text(18, load_default=None, metadata={"description": "credit code"})
    overdue = fields.Boolean(load_default=False, metadata={"description": "only tasks past their due time"})
    mine = fields.Boolean(load_default=False, metadata={"description": "only tasks the caller completed"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class TaskSchema(Schema):
    id = fields.String(required=True)
    instance_id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    spec_name = fields.String(required=True)
    title = fields.String(required=True)
    lane = fields.String(required=True)
    role = fields.String(required=True)
    form_key = fields.String(required=True)
    region_code = fields.String(required=True)
    enterprise_code = fields.String(allow_none=True, required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    assignee = fields.String(allow_none=True, required=True)
    delegated_to = fields.String(allow_none=True, required=True)
    claimed_by = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    outcome = fields.String(allow_none=True, required=True)
    opinion = fields.String(allow_none=True, required=True)
    submitted = fields.Dict(allow_none=True, required=True)
    completed_by = fields.String(allow_none=True, required=True)
    completed_at = fields.DateTime(allow_none=True, required=True)


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class FormSchema(Schema):
    key = fields.String(required=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    fields_ = fields.List(fields.Dict(), required=True, data_key="fields", attribute="fields")
    outcome_field = fields.String(allow_none=True, required=True)
    opinion_field = fields.String(allow_none=True, required=True)


class TaskDetailSchema(Schema):
    task = fields.Nested(TaskSchema, required=True)
    form = fields.Nested(FormSchema, required=True)
    instance_version = fields.Integer(required=True, attribute="instance.version",
                                      metadata={"description": "send as If-Match when completing"})
    instance_status = fields.String(required=True, attribute="instance.status")
    workable = fields.Boolean(required=True)
    context = fields.Dict(required=True, metadata={"description": "the instance's start data"})
    history = fields.List(fields.Nested(TaskSchema), required=True)


class CompleteSchema(Schema):
    data = json_object(required=True, metadata={"description": "values of the task's form fields"})


class IfMatchSchema(Schema):
    if_match = fields.String(data_key="If-Match", load_default=None,
                             metadata={"description": "the instance version seen (ETag); 412 if it changed"})


class ReturnSchema(Schema):
    target = text(100, min_length=1, required=True, metadata={"description": "the earlier step to return to"})
    opinion = text(2000, min_length=1, required=True)


class PersonSchema(Schema):
    target = text(100, min_length=1, required=True, metadata={"description": "user name"})
    note = text(2000, load_default="")


class NoteSchema(Schema):
    note = text(2000, load_default="")


class OpinionSchema(Schema):
    opinion = text(2000, min_length=1, required=True)


class NoteOutSchema(Schema):
    id = fields.Integer(required=True)
    task_id = fields.String(required=True)
    kind = fields.String(required=True)
    author = fields.String(required=True)
    target = fields.String(allow_none=True, required=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)
