"""The figures behind the dashboards: task counts by status, process and region, within the caller's scope."""

from __future__ import annotations

from typing import Any

from engine.dashboard import task_stats
from web.api.core import ApiBlueprint
from web.api.schemas.stats import TaskCountsSchema
from web.auth.session import actor
from web.database import read_db

bp = ApiBlueprint("api_stats", __name__, url_prefix="/api/v1/stats", description="统计 (statistics)")


@bp.route("/tasks")
@bp.response(200, TaskCountsSchema)
def task_counts() -> Any:
    """Visible tasks counted by status, by process and by region; ready tasks past due."""
    return task_stats.task_counts(read_db(), actor())
