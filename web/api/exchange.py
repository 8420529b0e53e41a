"""涉税数据交换 (tax exchange): batches of the tax side's five categories in, the environment side's five out
since a cursor, the watched sync's status, its schedule, and supervisory monitoring results entered."""

from __future__ import annotations

from typing import Any

from flask_smorest import Api

from engine.exchange import history as exchange_history
from engine.exchange import ingest, outgoing, schedule, status, supervisory
from engine.exchange.categories import Category
from engine.exchange.records import SCHEMAS
from web.api.core import ApiBlueprint
from web.api.schemas.tax_exchange import (
    BatchAnswerSchema,
    BatchInSchema,
    CategoryStatusSchema,
    HistoryQuerySchema,
    PulledPageSchema,
    PullQuerySchema,
    ScheduleChangeSchema,
    ScheduleSchema,
    SupervisoryEntrySchema,
    SupervisoryStoredSchema,
    RecordVersionSchema,
)
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_exchange", __name__, url_prefix="/api/v1/exchange",
                  description="涉税数据交换：十类数据双向交换与同步监控 (tax exchange: ten categories, watched sync)")


def document(api: Api) -> None:
    """Put every category's record schema in the OpenAPI document, so the tax bureau builds against it."""
    for schema in SCHEMAS.values():
        api.spec.components.schema(schema.__name__, schema=schema)


@bp.route("/batches", methods=["POST"])
@bp.arguments(BatchInSchema)
@bp.response(201, BatchAnswerSchema)
@bp.alt_response(200, schema=BatchAnswerSchema, description="the batch was already received: its first answer")
def receive(body: dict[str, Any]) -> Any:
    """The tax bureau pushes a batch; each record is answered (stored, corrected, unchanged or refused with reasons)."""
    answer = ingest.receive(db(), actor(), ingest.BatchIn(**body))
    return answer, 200 if answer["resent"] else 201


@bp.route("/batches/<any(review_requests, taxpayers, tax_sources, tax_returns, tax_payments):category>/<batch_no>")
@bp.response(200, BatchAnswerSchema)
def batch_answer(category: str, batch_no: str) -> Any:
    """The answer given to a batch received earlier (its records' outcomes and refusals)."""
    return ingest.answer_of(db(), actor(), Category(category), batch_no)


@bp.route("/records/<any(online_monitoring, supervisory_monitoring, permits, penalties, review_feedback):category>")
@bp.arguments(PullQuerySchema, location="query")
@bp.response(200, PulledPageSchema)
def pull(query: dict[str, Any], category: str) -> Any:
    """The environment side's records of a category changed since the cursor (a corrected record comes again)."""
    return outgoing.pull(db(), actor(), Category(category), query["cursor"], query["limit"])


@bp.route("/history/<any(review_requests, taxpayers, tax_sources, tax_returns, tax_payments, online_monitoring, "
          "supervisory_monitoring, permits, penalties, review_feedback):category>")
@bp.arguments(HistoryQuerySchema, location="query")
@bp.response(200, RecordVersionSchema(many=True))
def history(query: dict[str, Any], category: str) -> Any:
    """Every version of a stored record (any category), the one in force first."""
    return exchange_history.record_history(db(), actor(), Category(category), query["key"])


@bp.route("/status")
@bp.response(200, CategoryStatusSchema(many=True))
def sync_status() -> Any:
    """Per category: last batch, records in and out and refused in the last 24 hours, pending, lag, late."""
    status.require_viewer(actor())
    return status.category_status(db())


@bp.route("/schedule")
@bp.response(200, ScheduleSchema)
def current_schedule() -> Any:
    """The agreed sync schedule and alert thresholds in force."""
    status.require_viewer(actor())
    return schedule.current(db())


@bp.route("/schedule", methods=["PUT"])
@bp.arguments(ScheduleChangeSchema)
@bp.response(200, ScheduleSchema)
def change_schedule(body: dict[str, Any]) -> Any:
    """A new version of the schedule (administrators; audited)."""
    return schedule.save(db(), actor(), body["rules"], body["note"])


@bp.route("/supervisory-results", methods=["POST"])
@bp.arguments(SupervisoryEntrySchema)
@bp.response(201, SupervisoryStoredSchema)
def enter_supervisory(body: dict[str, Any]) -> Any:
    """Supervisory monitoring results (监督性监测) as a monitoring station reports them."""
    return {"stored": len(supervisory.enter(db(), actor(), body["rows"]))}, 201
