"""What the reports page and the reports API share: the file download and starting queued runs."""

from __future__ import annotations

from flask import Response, current_app, g

from engine.reports import runs
from engine.reports.models import ReportStatus
from web.auth.session import actor
from web.database import db
from web.downloads import send_download
from web.reports import worker


def file_response(run_id: int) -> Response:
    """The generated file as an attachment.

    :raises runs.ReportNotFound: unknown, out of scope, or not generated yet (404).
    """
    run = runs.get(db(), actor(), run_id, with_content=True)
    if run.status != ReportStatus.DONE or run.content is None or run.filename is None or run.media_type is None:
        raise runs.ReportNotFound("报表尚未生成 (report not generated yet)")
    return send_download(run.content, run.filename, run.media_type)


def mark_queued() -> None:
    """Ask for generation to start once this request has committed."""
    g.report_queued = True


def start_queued(exc: BaseException | None) -> None:
    """Teardown hook: after the request committed (teardown follows the commit), generate what it queued."""
    if exc is None and g.pop("report_queued", False):
        worker.kick(current_app.extensions["ecoloop.sessions"], current_app.extensions["ecoloop.read_sessions"])
