"""Credit rating work pages: rounds and the county/city batch review, the year's rules, department facts."""

from flask import Blueprint

bp = Blueprint("credit", __name__, url_prefix="/credit")

from web.credit import views  # noqa: E402,F401
