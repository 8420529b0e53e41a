"""涉税数据匹配与数据监查 pages: the unmatched records per county and the 数据监查表's findings."""

from flask import Blueprint

bp = Blueprint("datacheck", __name__, url_prefix="/exchange")

from web.datacheck import views  # noqa: E402,F401
