from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump

from web.api.schemas.common import json_object, text


class StartInstanceSchema(Schema):
    region_code = text(12, min_length=1, required=True, metadata={"example": "440106"})
    enterprise_code = text(18, load_default=None, allow_none=True, metadata={"example": "91440106MA59C8Q0XW"})
    business_key = text(200, load_default=None, allow_none=True)
    subject = text(300, load_default="")
    data = json_object(load_default=dict, metadata={"description": "start data of the process"})


class InstanceSchema(Schema):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    model_version = fields.Integer(required=True)
    business_key = fields.String(allow_none=True, required=True)
    subject = fields.String(required=True)
    enterprise_code = fields.String(allow_none=True, required=True)
    region_code = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["running", "suspended", "completed", "terminated"]})
    version = fields.Integer(required=True, metadata={"description": "optimistic-lock version (ETag, If-Match)"})
    started_by = fields.String(required=True)
    started_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True, required=True)
    next_timer_at = fields.DateTime(allow_none=True, required=True)


class TaskBriefSchema(Schema):
    id = fields.String(required=True)
    spec_name = fields.String(required=True)
    title = fields.String(required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    claimed_by = fields.String(allow_none=True, required=True)
    assignee = fields.String(allow_none=True, required=True)
    completed_by = fields.String(allow_none=True, required=True)
    completed_at = fields.DateTime(allow_none=True, required=True)


class InstanceDetailSchema(InstanceSchema):
    """An instance overview: the instance's fields, its ready tasks, and every step so far."""

    current_tasks = fields.List(fields.Nested(TaskBriefSchema), required=True)
    tasks = fields.List(fields.Nested(TaskBriefSchema), required=True, metadata={"description": "every step so far"})

    @pre_dump
    def _flatten(self, view: Any, **_: Any) -> dict[str, Any]:
        row = view.instance
        values = {name: getattr(row, name) for name in InstanceSchema._declared_fields}
        return {**values, "tasks": view.tasks, "current_tasks": [t for t in view.tasks if t.status == "ready"]}


class AuditEventSchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    task_id = fields.String(allow_none=True, required=True)
    payload = fields.Dict(required=True)
    hash = fields.String(required=True)


class ReasonSchema(Schema):
    reason = text(500, load_default="")
