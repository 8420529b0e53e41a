"""运行监控: ``/metrics`` for Prometheus and the administrators' live page ``/admin/runstate``."""

from flask import Blueprint

bp = Blueprint("runstate", __name__)

from web.runstate import views  # noqa: E402,F401
