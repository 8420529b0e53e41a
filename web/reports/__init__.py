"""Reports page (报表): generate a report over one's scope, watch its progress, download history."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from web.reports import views  # noqa: E402,F401
