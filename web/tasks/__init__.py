"""Task lists (待办 / 已办), the task page with its form, claim and completion."""

from flask import Blueprint

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

from web.tasks import views  # noqa: E402,F401
