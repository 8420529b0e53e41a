"""一公开: published inspection results without log-in (rate limited per address, like the credit search)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.errors import InvalidInput
from engine.inspection.onsite.models import Conclusion
from engine.inspection.onsite.publication import ResultQuery, published_items, published_results
from web.database import db
from web.params import day

bp = Blueprint("inspection_results", __name__, url_prefix="/public/inspection/results")
PUBLIC_RATE_LIMIT = "30/minute"


class ResultQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    unit = fields.String(load_default="", validate=validate.Length(max=100))
    date_from = day(load_default=None)
    date_to = day(load_default=None)
    item = fields.String(load_default="", validate=validate.Length(max=20))
    conclusion = fields.String(load_default="", validate=validate.OneOf(["", *[c.value for c in Conclusion]]))
    region = fields.String(load_default="", validate=validate.Regexp(r"^(\d{2,6})?$"))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))


@bp.get("/")
def search() -> ResponseReturnValue:
    try:
        query = ResultQuerySchema().load({k: v for k, v in request.args.items() if v != ""})
    except ValidationError as exc:
        raise InvalidInput("查询条件有误 (invalid query)", fields=exc.normalized_messages()) from None
    return render_template("inspection/public/results.html", found=published_results(db(), ResultQuery(**query)),
                           query=query, items=published_items(db()))


@bp.app_context_processor
def _inspection_words() -> dict[str, object]:
    """The words for conclusions and unit states, on every inspection page (public and officers')."""
    from flask_babel import lazy_gettext as _l

    return {"conclusion_words": {"no_problem": _l("未发现问题"), "correct": _l("责令改正"),
                                 "refer": _l("移送立案查处"), "not_inspectable": _l("停产/关闭/查无此单位")},
            "unit_status_words": {"operating": _l("正常生产"), "closed": _l("停产或关闭"),
                                  "absent": _l("查无此单位或无法进入")}}
