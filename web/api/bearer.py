"""Bearer authentication of API requests: short-lived signed user tokens, and API tokens of machine clients.

User tokens are issued by ``POST /api/v1/auth/token`` after a login through the
same providers as the web UI; they carry the actor, signed with the app's
secret key (itsdangerous), and expire after ``ECOLOOP_API_TOKEN_MINUTES``
(15). Each user token names a row of ``access_tokens`` (its ``j`` claim), checked
on every request together with the account behind it (cached for
``ECOLOOP_ACCOUNT_CHECK_SECONDS``, 5), so log-out, a password change, an
administrator's revocation or a disabled account stop it at once. API tokens
(``ecl_…``) are looked up by their hash on every request, so a revoked token
stops working at once. No session cookie is read or set.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from datetime import timedelta

from engine.actors import Actor, Role
from engine.errors import AuthenticationFailed
from engine.identity import access_tokens, tokens
from engine.identity import login as identity
from web.database import db, settings

SALT = "ecoloop.api.access-token"


def lifetime_seconds() -> int:
    return settings().api_token_minutes * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(actor: Actor) -> dict[str, Any]:
    """A signed access token for a logged-in person, as the token endpoint returns it (the caller commits)."""
    row = access_tokens.issue(db(), actor, timedelta(seconds=lifetime_seconds()), request.remote_addr or "")
    claims = {"u": actor.username, "r": sorted(actor.roles), "g": actor.region_code, "e": actor.enterprise_code,
              "n": actor.display_name, "j": row.id}
    return {"access_token": _serializer().dumps(claims), "token_type": "Bearer", "expires_in": lifetime_seconds(),
            "actor": actor}


def _claims(credential: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = _serializer().loads(credential, max_age=lifetime_seconds())
    except SignatureExpired:
        raise AuthenticationFailed("访问令牌已过期，请重新获取 (access token expired)") from None
    except BadSignature:
        raise AuthenticationFailed("访问令牌无效 (invalid access token)") from None
    return claims


def _user_actor(credential: str) -> Actor:
    """The actor of a signed user token whose row is open and whose account may still act."""
    claims = _claims(credential)
    access_tokens.check(db(), claims.get("j"), claims["u"], accounts())
    g.access_token_id = claims["j"]
    return Actor(claims["u"], frozenset(Role(r) for r in claims["r"]), claims["g"], claims["e"], claims["n"])


def accounts() -> access_tokens.AccountState:
    """The app's cache of account states, made on first use."""
    state: access_tokens.AccountState | None = current_app.extensions.get("ecoloop.accounts")
    if state is None:
        seconds = float(settings().raw.get("ACCOUNT_CHECK_SECONDS") or 5)
        state = access_tokens.AccountState(_account_active, ttl=min(seconds, 30.0))
        current_app.extensions["ecoloop.accounts"] = state
    return state


def _account_active(username: str) -> bool:
    return identity.account_active(db(), current_app.extensions.get("ecoloop.directory"), username)


def log_out() -> None:
    """End the calling token: a person's access token, or the API token presented (both audited)."""
    credential = _credential()
    if tokens.looks_like_token(credential):
        tokens.revoke_own(db(), credential)
    else:
        actor = _user_actor(credential)
        access_tokens.log_out(db(), actor, g.access_token_id)


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
                key = f"user:{_claims(credential)['u']}"
            except AuthenticationFailed:
                pass
    g.api_rate_key = key
    return key


def rate_limit() -> str:
    return settings().api_rate_limit


def login_rate_limit() -> str:
    return settings().api_login_rate_limit
