"""The notification centre (通知中心) and the after-commit projection of notifications and mail."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    from web.notifications.dispatch import init_app

    init_app(state.app)


from web.notifications import views  # noqa: E402,F401
