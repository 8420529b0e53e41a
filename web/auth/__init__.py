"""Login, logout, language switch, and the current actor of a request."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from web.auth import password, throttle, views  # noqa: E402,F401  (routes and the throttled page register on import)
