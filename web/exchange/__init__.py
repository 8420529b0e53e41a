"""涉税交换 pages: the watched daily sync (status per category, latest batches and refusals, the schedule)."""

from flask import Blueprint

bp = Blueprint("exchange", __name__, url_prefix="/exchange")

from web.exchange import views  # noqa: E402,F401
