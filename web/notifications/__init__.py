"""The notification centre (通知中心) and the after-commit projection of notifications and mail."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.before_request
def _settle() -> None:
    """Before the request opens its transaction: on SQLite it would hold the write lock the projection needs."""
    from web.notifications.dispatch import settle

    settle()


from web.notifications import views  # noqa: E402,F401
