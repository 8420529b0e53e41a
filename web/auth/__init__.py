"""Login, logout, language switch, and the current actor of a request."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from web.auth import (
    throttle,  # noqa: E402,F401  (after the routes: wraps the log-in view at registration)
    views,  # noqa: E402,F401  (routes register on import)
)
