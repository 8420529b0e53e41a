"""``ecoloop tokens``: issue, list and revoke machine clients' API tokens from the command line."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.actors import Role
from engine.db import utcnow
from engine.errors import EcoLoopError
from engine.identity import tokens
from web.cli_support import fail, operator


@click.group("tokens")
def tokens_group() -> None:
    """API tokens of machine clients (tax bureau, monitoring gateways, …)."""


@tokens_group.command("create")
@click.option("--name", required=True, help="unique name, e.g. the client system")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", default=None, help="GB/T 2260 code (reviewer roles)")
@click.option("--enterprise", default=None, help="unified social credit code (enterprise role)")
@click.option("--expires-days", type=click.IntRange(min=1), default=None, help="expire after this many days")
@with_appcontext
def create(name: str, role: str, region: str | None, enterprise: str | None, expires_days: int | None) -> None:
    """Issue a token and print its secret (shown this once; only its sha256 is stored)."""
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    request = tokens.TokenRequest(name=name, role=role, region_code=region, enterprise_code=enterprise,
                                  expires_at=expires_at)
    try:
        with current_app.extensions["ecoloop.sessions"].begin() as session:
            token, secret = tokens.create(session, operator(), request)
            token_id = token.id
    except EcoLoopError as error:
        fail(error)
    click.echo(f"token {token_id} ({name}, {role}) created; its secret, shown only now:", err=True)
    click.echo(secret)


@tokens_group.command("list")
@with_appcontext
def list_tokens() -> None:
    """Every token: id, name, role, scope, last use, state."""
    with current_app.extensions["ecoloop.sessions"]() as session:
        for token in tokens.list_tokens(session, operator()):
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            state = "revoked" if token.revoked_at else "active"
            scope = token.region_code or token.enterprise_code or "-"
            click.echo(f"{token.id:>4} {token.name:<24} {token.role:<18} {scope:<18} {token.prefix}…  "
                       f"last used {used:<16} {state}")


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke(token_id: int) -> None:
    """Revoke a token at once (it can no longer authenticate)."""
    try:
        with current_app.extensions["ecoloop.sessions"].begin() as session:
            token = tokens.revoke(session, operator(), token_id)
            name = token.name
    except EcoLoopError as error:
        fail(error)
    click.echo(f"token {token_id} ({name}) revoked")
