"""The instance page: live BPMN diagram with the path taken, and the audit timeline."""

from flask import Blueprint

bp = Blueprint("instances", __name__, url_prefix="/instances")

from web.instances import views  # noqa: E402,F401
