"""``/metrics`` (token or network), the 运行监控 page and its live data (administrators)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Response, jsonify, render_template
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from engine.alerts.board import board
from web.auth.session import actor, login_required
from web.database import db, settings
from web.runstate import bp
from web.runstate.metrics import check_access, exposition

REQUEST_ROWS = 12


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    check_access()
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


@bp.get("/admin/runstate")
@login_required
def page() -> ResponseReturnValue:
    data = board(db(), actor(), settings().evidence_dir, datetime.now(timezone.utc)).as_json()
    return render_template("runstate/index.html", data={**data, "requests": _requests()})


@bp.get("/admin/runstate/data")
@login_required
def data() -> ResponseReturnValue:
    result = board(db(), actor(), settings().evidence_dir, datetime.now(timezone.utc)).as_json()
    return jsonify({**result, "requests": _requests()})


def _requests() -> list[dict[str, Any]]:
    """Requests and mean latency by endpoint, from the same counters ``/metrics`` exposes (all workers)."""
    counts: dict[str, float] = {}
    sums: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition(platform=False).decode()):
        for sample in family.samples:
            if sample.name == "ecoloop_http_requests_total":
                counts[sample.labels["endpoint"]] = counts.get(sample.labels["endpoint"], 0) + sample.value
            elif sample.name == "ecoloop_http_request_duration_seconds_sum":
                sums[sample.labels["endpoint"]] = sums.get(sample.labels["endpoint"], 0) + sample.value
    rows: list[dict[str, Any]] = [{"endpoint": e, "count": int(c), "mean_ms": round(1000 * sums.get(e, 0) / c, 1) if c else 0}
            for e, c in counts.items() if e != "runstate.data"]
    return sorted(rows, key=lambda row: -row["count"])[:REQUEST_ROWS]
