"""名录管理: search the register, the 一企一档 enterprise page, admin edit forms and the import page."""

from flask import Blueprint

bp = Blueprint("register", __name__, url_prefix="/register")

from web.register import imports, views  # noqa: E402,F401
