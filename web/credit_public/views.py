"""Views of the public credit search: no log-in, only published ratings (see engine.credit.results)."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.credit.results import PublicQuery, public_search
from engine.errors import InvalidInput
from web.credit_public import bp
from web.database import db


class _QuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=100))
    level = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=4))
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))
    region = fields.String(load_default="", validate=validate.Regexp(r"^(\d{6})?$"))


@bp.get("/")
def search() -> ResponseReturnValue:
    args = {k: v for k, v in request.args.items() if v != ""}
    try:
        query = _QuerySchema().load(args)
    except ValidationError as exc:
        raise InvalidInput("查询条件有误 (invalid query)", fields=exc.normalized_messages()) from None
    searched = bool(args)
    found = public_search(db(), PublicQuery(query["q"], query["level"], query["year"], query["region"])) \
        if searched else []
    return render_template("credit_public/search.html", found=found, query=query, searched=searched)
