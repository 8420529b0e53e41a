"""环境风险源 pages: risk-source enterprises by region, an enterprise's risk data, substance import, risk rules."""

from flask import Blueprint

bp = Blueprint("risk", __name__, url_prefix="/risk-sources")

from web.risk import views  # noqa: E402,F401
