"""一公开 pages without log-in: plans and draws with commitments and revealed seeds, a draw's verification,
and its published inputs and result as JSON for independent checking."""

from __future__ import annotations

from flask import Response, json, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.errors import InvalidInput
from engine.inspection import public
from web.database import db
from web.inspection import public_bp


class _QuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=100))
    region = fields.String(load_default="", validate=validate.Regexp(r"^(\d{6})?$"))


@public_bp.get("/")
def index() -> ResponseReturnValue:
    try:
        query = _QuerySchema().load(request.args.to_dict())
    except ValidationError as exc:
        raise InvalidInput("查询条件有误 (invalid query)", fields=exc.normalized_messages()) from None
    return render_template("inspection/public/index.html", draws=public.draws(db(), query["q"], query["region"]),
                           query=query)


@public_bp.get("/draws/<int:draw_id>")
def draw(draw_id: int) -> ResponseReturnValue:
    shown, listed, verification = public.draw(db(), draw_id)
    return render_template("inspection/public/draw.html", draw=shown, listed=listed, verification=verification)


@public_bp.get("/draws/<int:draw_id>/<any(inputs, result):what>.json")
def document(draw_id: int, what: str) -> ResponseReturnValue:
    body = json.dumps(public.published_document(db(), draw_id, what), ensure_ascii=False, sort_keys=True)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=draw-{draw_id}-{what}.json"})
