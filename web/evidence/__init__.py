"""Evidence library: upload (type checked by content) and scoped download."""

from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/evidence")

from web.evidence import views  # noqa: E402,F401
