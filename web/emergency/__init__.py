"""应急资源库 pages: browse and search the libraries, entry pages with their versions, drafting, import, review."""

from flask import Blueprint

bp = Blueprint("emergency", __name__, url_prefix="/emergency")

from web.emergency import views  # noqa: E402,F401
