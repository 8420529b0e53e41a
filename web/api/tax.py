"""Environmental-protection-tax exchange: review requests (复核提请) in, review results (复核反馈) and figures out."""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.instances import service as instances
from engine.tax import figures as tax_figures
from engine.tax import review as tax
from web.api.core import ApiBlueprint
from web.api.schemas.exchange import (
    FiguresQuerySchema,
    FiguresSchema,
    ReviewRequestSchema,
    ReviewResultSchema,
)
from web.api.schemas.instances import InstanceSchema
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_tax", __name__, url_prefix="/api/v1/tax", description="涉税数据交换 (tax exchange)")


@bp.route("/review-requests", methods=["POST"])
@bp.arguments(ReviewRequestSchema)
@bp.response(201, InstanceSchema)
def request_review(body: dict[str, Any]) -> Any:
    """The tax department requests a review; the enterprise's county answers within 15 days."""
    data = body["data"]
    row = instances.start(db(), actor(), instances.StartRequest(
        process_key=tax.PROCESS_KEY, region_code=body["region_code"], enterprise_code=body["enterprise_code"],
        business_key=str(data.get("request_no", ""))[:200] or None, subject=f"涉税复核 {data.get('request_no', '')}",
        data=data))
    request_no = str(data.get("request_no", ""))
    return row, 201, {"Location": url_for("api_tax.review_result", request_no=request_no)}


@bp.route("/review-requests/<request_no:request_no>")
@bp.response(200, ReviewResultSchema)
def review_result(request_no: str) -> Any:
    """The state of a review request and, once given, the environment department's answer."""
    return tax.review_result(db(), actor(), request_no)


@bp.route("/monitoring-figures")
@bp.arguments(FiguresQuerySchema, location="query")
@bp.response(200, FiguresSchema)
def figures(query: dict[str, Any]) -> Any:
    """The monitoring figures of an enterprise for a tax period (monthly means, anomalies, flags)."""
    return tax_figures.for_period(db(), actor(), query["enterprise"], query["period"])
