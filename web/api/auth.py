"""``POST /api/v1/auth/token``: log in through the UI's providers and get a short-lived bearer token."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from engine.errors import AuthenticationFailed, DirectoryUnavailable, InvalidIdentity
from engine.identity import login as identity
from web.api import bearer
from web.api.core import ApiBlueprint
from web.api.schemas.auth import AccessTokenSchema, ActorSchema, TokenRequestSchema
from web.auth.session import actor
from web.database import db, settings

bp = ApiBlueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="登录与令牌 (authentication)")
me_bp = ApiBlueprint("api_me", __name__, url_prefix="/api/v1", description="当前调用者 (the caller)")


@bp.route("/token", methods=["POST"])
@bp.doc(security=[])
@bp.arguments(TokenRequestSchema)
@bp.response(200, AccessTokenSchema)
def token(body: dict[str, Any]) -> dict[str, Any]:
    """Exchange a user name and password for a bearer token (15 minutes by default)."""
    try:
        person = identity.login(db(), current_app.extensions.get("ecoloop.directory"), body["username"],
                                body["password"], allow_demo=not settings().production,
                                client=request.remote_addr or "", policy=current_app.extensions["ecoloop.lockout"])
    except (AuthenticationFailed, DirectoryUnavailable, InvalidIdentity):
        db().commit()  # the failed attempt stays in the audit trail
        raise
    return bearer.issue(person)


@me_bp.route("/me")
@me_bp.response(200, ActorSchema)
def me() -> Any:
    """Who the bearer token acts as: user name, roles, region, credit code."""
    return actor()
