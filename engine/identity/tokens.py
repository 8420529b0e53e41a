"""API tokens for machine clients: issued by administrators, one role each, stored hashed, revocable.

A token's secret is ``ecl_`` followed by 43 URL-safe characters (32 random
bytes, 256 bits). Only its sha256 is stored: with that much entropy nobody can
guess a secret from its hash, so the slow, salted hashes that protect
passwords (argon2 for local accounts) add nothing here, and checking a request
costs one indexed lookup. The secret is shown once, when the token is created.

Creation and revocation are audited; each use updates ``last_used_at`` (at
most once a minute, so reading through the API does not write on every call).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import REVIEWER_ROLES, Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow, valid_id
from engine.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
)
from engine.identifiers import valid_credit_code, valid_region
from engine.identity.models import ApiToken
from engine.scoping import require_admin

ADMINS_ONLY = "only administrators manage API tokens"

log = logging.getLogger(__name__)

SECRET_PREFIX = "ecl_"
PREFIX_SHOWN = 12
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_NAME = 80


@dataclass(frozen=True)
class TokenRequest:
    """What an administrator asks for: a unique name, one role, and the scope that role needs."""

    name: str
    role: str
    region_code: str | None = None
    enterprise_code: str | None = None
    expires_at: datetime | None = None


def looks_like_token(value: str) -> bool:
    """Whether a bearer credential is an API token (rather than a signed user token)."""
    return value.startswith(SECRET_PREFIX)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(session: Session, actor: Actor, request: TokenRequest) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the secret (never stored, shown once).

    :raises NotAllowed: unless the actor is an admin.
    :raises InvalidInput: naming the field that is wrong (taken name, unknown role, missing scope).
    """
    require_admin(actor, ADMINS_ONLY)
    role = _check_request(session, request)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=request.name, secret_sha256=digest(secret), prefix=secret[:PREFIX_SHOWN], role=role.value,
        region_code=request.region_code if role in REVIEWER_ROLES else None,
        enterprise_code=request.enterprise_code if role == Role.ENTERPRISE else None,
        created_by=actor.username, expires_at=request.expires_at,
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.create", payload={
        "token": token.id, "name": token.name, "prefix": token.prefix, "role": token.role,
        "region": token.region_code, "enterprise": token.enterprise_code,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    })
    log.info("API token %s (%s) created by %s", token.id, token.name, actor.username)
    return token, secret


def _check_request(session: Session, request: TokenRequest) -> Role:
    errors: dict[str, list[str]] = {}
    name = request.name
    if not name or len(name) > MAX_NAME or not name.isprintable() or name != name.strip():
        errors["name"] = [f"名称须为 1–{MAX_NAME} 个可见字符 (1–{MAX_NAME} printable characters)"]
    elif session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        errors["name"] = ["名称已被使用 (name already taken)"]
    role = Role._value2member_map_.get(request.role)
    if role is None:
        errors["role"] = [f"未知角色 {request.role!r} (unknown role)"]
    elif role in REVIEWER_ROLES and not valid_region(request.region_code):
        errors["region_code"] = ["审核角色须指定有效的广东省行政区划代码 (reviewer tokens need a region)"]
    elif role == Role.ENTERPRISE and not valid_credit_code(request.enterprise_code):
        errors["enterprise_code"] = ["企业角色须指定有效的统一社会信用代码 (enterprise tokens need a credit code)"]
    if request.expires_at is not None and request.expires_at <= utcnow():
        errors["expires_at"] = ["过期时间须在将来 (must be in the future)"]
    if errors:
        raise InvalidInput("cannot create the API token", fields=errors)
    assert isinstance(role, Role)
    return role


def revoke(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """:raises NotFound: no such token. :raises Conflict: already revoked."""
    require_admin(actor, ADMINS_ONLY)
    token = session.get(ApiToken, token_id) if valid_id(token_id) else None
    if token is None:
        raise NotFound(f"API token {token_id} not found")
    if token.revoked_at is not None:
        raise Conflict(f"API token {token.name} is already revoked")
    token.revoked_at, token.revoked_by = utcnow(), actor.username
    session.flush()
    audit.record(session, actor, "token.revoke", payload={"token": token.id, "name": token.name})
    log.info("API token %s (%s) revoked by %s", token.id, token.name, actor.username)
    return token


def revoke_own(session: Session, secret: str) -> ApiToken:
    """A machine client ends the API token it presents (``DELETE /api/v1/auth/token``); audited.

    :raises AuthenticationFailed: unknown, revoked or expired token.
    """
    caller = authenticate(session, secret)
    token = session.scalars(select(ApiToken).where(ApiToken.secret_sha256 == digest(secret))).one()
    token.revoked_at, token.revoked_by = utcnow(), caller.username
    session.flush()
    audit.record(session, caller, "token.logout", payload={"token": token.id, "name": token.name})
    log.info("API token %s (%s) ended by its holder", token.id, token.name)
    return token


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    require_admin(actor, ADMINS_ONLY)
    return list(session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name)))


def authenticate(session: Session, secret: str, now: datetime | None = None) -> Actor:
    """The actor a token acts as; records the use in ``last_used_at``.

    :raises AuthenticationFailed: unknown, revoked or expired token (never saying which).
    """
    now = now or utcnow()
    token = session.scalars(select(ApiToken).where(ApiToken.secret_sha256 == digest(secret))).one_or_none()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        raise AuthenticationFailed("API 令牌无效、已吊销或已过期 (invalid, revoked or expired API token)")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.flush()
    return actor_of(token)


def actor_of(token: ApiToken) -> Actor:
    return Actor(username=token.username, roles=frozenset({Role(token.role)}), region_code=token.region_code,
                 enterprise_code=token.enterprise_code, display_name=token.name)
