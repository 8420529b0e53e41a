"""The public credit search (信用评价结果公开查询): published ratings without log-in, rate limited per address."""

from flask import Blueprint

bp = Blueprint("credit_public", __name__, url_prefix="/credit/public")
PUBLIC_RATE_LIMIT = "30/minute"  # per client address; a search page for people, not for harvesting

from web.credit_public import views  # noqa: E402,F401
