"""Administration: process models (versions, deploy), audit verification, users and roles."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from web.admin import calendar, config, processes, users, views  # noqa: E402,F401
