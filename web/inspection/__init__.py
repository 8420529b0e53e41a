"""双随机、一公开: plans and draws, the directories and their imports, the officer's own units, and the public
page (``public_bp``, no log-in)."""

from flask import Blueprint

bp = Blueprint("inspection", __name__, url_prefix="/inspection")
public_bp = Blueprint("inspection_public", __name__, url_prefix="/public/inspection")
PUBLIC_RATE_LIMIT = "30/minute"  # per client address, as the public credit search

from web.inspection import views  # noqa: E402,F401  (first: the others import its helpers)
from web.inspection import directory_views, imports, public  # noqa: E402,F401
