"""Administration of machine clients' API tokens: list, issue (secret shown once), revoke."""

from flask import Blueprint

bp = Blueprint("tokens", __name__, url_prefix="/admin/tokens")

from web.tokens import views  # noqa: E402,F401  (routes register on import)
