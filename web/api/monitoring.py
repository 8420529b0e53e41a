"""Monitoring: HJ 212 packets in (one per line, a result per packet), anomalies out (scoped)."""

from __future__ import annotations

from typing import Any

from flask import request

from engine.anomalies import cases
from engine.monitoring import exchange
from integrations.hj212.records import parse_line
from web.api.core import ApiBlueprint
from web.api.schemas.exchange import (
    AnomalyPageSchema,
    AnomalyQuerySchema,
    AnomalySchema,
    PacketResultSchema,
)
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_monitoring", __name__, url_prefix="/api/v1", description="自动监控 (monitoring)")


@bp.route("/ingest/hj212", methods=["POST"])
@bp.doc(requestBody={"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}})
@bp.response(200, PacketResultSchema(many=True))
def ingest() -> Any:
    """HJ 212-2017 packets as text, one per line; each packet's PW is checked against its point."""
    lines = request.get_data(as_text=True).splitlines()
    return exchange.ingest_hj212(db(), actor(), lines, parse_line, open_tasks=cases.open_tasks_now)


@bp.route("/anomalies")
@bp.arguments(AnomalyQuerySchema, location="query")
@bp.response(200, AnomalyPageSchema)
def list_anomalies(query: dict[str, Any]) -> Any:
    """Anomalies of the enterprises in the caller's scope, newest first."""
    return exchange.list_anomalies(db(), actor(), pending=query["pending"], since=query["since"],
                                   enterprise_code=query["enterprise"], page=query["page"], per_page=query["per_page"])


@bp.route("/anomalies/<int:anomaly_id>")
@bp.response(200, AnomalySchema)
def show_anomaly(anomaly_id: int) -> Any:
    """One anomaly with its point and enterprise (404 outside the caller's scope)."""
    return exchange.get_anomaly(db(), actor(), anomaly_id)
