from __future__ import annotations

from marshmallow import Schema, fields


def _by_status(**kwargs: object) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Integer(), **kwargs)  # type: ignore[arg-type]


class TaskCountsSchema(Schema):
    total = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "ready tasks past their due time"})
    by_status = _by_status(required=True)
    by_process = fields.Dict(keys=fields.String(), values=_by_status(), required=True)
    by_region = fields.Dict(keys=fields.String(), values=_by_status(), required=True)
