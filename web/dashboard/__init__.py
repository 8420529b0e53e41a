"""Dashboards per role (工作台): task and closure statistics of what the viewer may see."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from web.dashboard import views  # noqa: E402,F401
