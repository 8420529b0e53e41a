"""``POST /api/v1/auth/token``: log in through the UI's providers and get a short-lived bearer token;
``DELETE`` ends the calling token; administrators list and end a person's tokens."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from engine.errors import AuthenticationFailed, DirectoryUnavailable, InvalidIdentity, NotAllowed
from engine.identity import access_tokens
from engine.identity import login as identity
from engine.identity import passwords as account_passwords
from web.api import bearer
from web.api.core import ApiBlueprint
from web.api.schemas.auth import AccessTokenSchema, ActorSchema, EndedSchema, TokenRequestSchema, UserTokenSchema
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
    if account_passwords.must_change(db(), person.username):
        raise NotAllowed("密码已被管理员重置，请先在网页上修改密码 (change the reset password first)")
    return bearer.issue(person)


@bp.route("/token", methods=["DELETE"])
@bp.doc(security=[{"bearer": []}])
@bp.response(204)
def log_out() -> None:
    """End the calling token: a person's bearer token or a machine client's API token (audited)."""
    bearer.log_out()


@me_bp.route("/users/<string(maxlength=100):username>/tokens")
@me_bp.response(200, UserTokenSchema(many=True))
def user_tokens(username: str) -> Any:
    """A person's bearer tokens still in force (administrators)."""
    return access_tokens.list_for_user(db(), actor(), username)


@me_bp.route("/users/<string(maxlength=100):username>/tokens", methods=["DELETE"])
@me_bp.response(200, EndedSchema)
def end_user_tokens(username: str) -> dict[str, int]:
    """End every bearer token of a person (administrators; audited)."""
    return {"ended": access_tokens.end_for_user(db(), actor(), username)}


@me_bp.route("/users/<string(maxlength=100):username>/tokens/<string(maxlength=32):token_id>", methods=["DELETE"])
@me_bp.response(204)
def end_user_token(username: str, token_id: str) -> None:
    """End one bearer token of a person (administrators; audited)."""
    access_tokens.end_for_user(db(), actor(), username, token_id)


@me_bp.route("/me")
@me_bp.response(200, ActorSchema)
def me() -> Any:
    """Who the bearer token acts as: user name, roles, region, credit code."""
    return actor()
