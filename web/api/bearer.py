"""Bearer authentication of API requests: short-lived signed user tokens, and API tokens of machine clients.

User tokens are issued by ``POST /api/v1/auth/token`` after a login through the
same providers as the web UI; they carry the actor, signed with the app's
secret key (itsdangerous), and expire after ``ECOLOOP_API_TOKEN_MINUTES``
(15). API tokens (``ecl_…``) are looked up by their hash on every request, so
a revoked token stops working at once. No session cookie is read or set.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from engine.actors import Actor, Role
from engine.errors import AuthenticationFailed
from engine.identity import tokens
from web.database import db, settings

SALT = "ecoloop.api.access-token"


def lifetime_seconds() -> int:
    return settings().api_token_minutes * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(actor: Actor) -> dict[str, Any]:
    """A signed access token for a logged-in person, as the token endpoint returns it."""
    claims = {"u": actor.username, "r": sorted(actor.roles), "g": actor.region_code, "e": actor.enterprise_code,
              "n": actor.display_name}
    return {"access_token": _serializer().dumps(claims), "token_type": "Bearer", "expires_in": lifetime_seconds(),
            "actor": actor}


def _user_actor(credential: str) -> Actor:
    try:
        claims = _serializer().loads(credential, max_age=lifetime_seconds())
    except SignatureExpired:
        raise AuthenticationFailed("访问令牌已过期，请重新获取 (access token expired)") from None
    except BadSignature:
        raise AuthenticationFailed("访问令牌无效 (invalid access token)") from None
    return Actor(claims["u"], frozenset(Role(r) for r in claims["r"]), claims["g"], claims["e"], claims["n"])


def _credential() -> str:
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise AuthenticationFailed("需要 Bearer 令牌 (Authorization: Bearer <token> required)")
    return credential.strip()


def authenticate() -> None:
    """``before_request`` of the protected API blueprints: sets ``g.actor`` and ``g.api_principal``."""
    credential = _credential()
    if tokens.looks_like_token(credential):
        actor = tokens.authenticate(db(), credential)
    else:
        actor = _user_actor(credential)
    g.actor = actor
    g.api_principal = actor.username if actor.username.startswith("token:") else f"user:{actor.username}"


def challenge(response: Response) -> Response:
    """``after_request``: a 401 names the scheme the client should use."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ecoloop"'
    return response


def rate_limit_key() -> str:
    """Who a request counts against: the token (by hash) or the user of a valid signed token, else the address.

    Runs before authentication (Flask-Limiter checks limits first), so it reads the header itself.
    """
    cached: str | None = g.get("api_rate_key")
    if cached:
        return cached
    key = f"ip:{request.remote_addr or '?'}"
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential:
        if tokens.looks_like_token(credential):
            key = f"token:{tokens.digest(credential)[:24]}"
        else:
            try:
                key = f"user:{_user_actor(credential).username}"
            except AuthenticationFailed:
                pass
    g.api_rate_key = key
    return key


def rate_limit() -> str:
    return settings().api_rate_limit


def login_rate_limit() -> str:
    return settings().api_login_rate_limit
