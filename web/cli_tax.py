"""``ecoloop tax``: the simulated tax bureau (``simulate``) and the exchange's nightly jobs run by hand."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.errors import EcoLoopError
from engine.exchange import jobs as exchange_jobs
from engine.identity import tokens
from integrations.taxbureau.simulator import Report, simulate, wait_until_up
from web.cli_support import fail, operator, session_factory


@click.group("tax")
def tax_group() -> None:
    """Environmental-protection-tax exchange."""


@tax_group.command("simulate")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="EcoLoop's base URL")
@click.option("--token", envvar="ECOLOOP_TAX_TOKEN", default=None,
              help="the tax client's API token [$ECOLOOP_TAX_TOKEN]")
@click.option("--create-token", "token_name", default=None,
              help="issue a tax_client API token of this name first (not in production)")
@click.option("--rounds", default=1, show_default=True, type=click.IntRange(0), help="rounds to run (0: until stopped)")
@click.option("--interval", default=3600.0, show_default=True, type=float, help="seconds between rounds")
@click.option("--bad-share", default=0.05, show_default=True, type=click.FloatRange(0, 1),
              help="share of bad records planted per category")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--wait", default=0.0, show_default=True, type=float, help="seconds to wait for the server to answer")
@with_appcontext
def simulate_command(url: str, token: str | None, token_name: str | None, rounds: int, interval: float,
                     bad_share: float, seed: int, wait: float) -> None:
    """Act as the tax bureau over the real API: push taxpayers, sources, returns, payments and review requests
    (with bad records, a resend and a correction), then pull the environment-side categories."""
    if token_name:
        token = _issue_token(token_name)
    if not token:
        raise click.UsageError("give --token (or $ECOLOOP_TAX_TOKEN), or --create-token NAME")
    if wait:
        wait_until_up(url, wait)
    reports = simulate(url, token, rounds=rounds, interval=interval, seed=seed, bad_share=bad_share,
                       log_report=_echo)
    if any(report.errors for report in reports):
        raise SystemExit(1)


def _issue_token(name: str) -> str:
    if current_app.extensions["ecoloop.settings"].production:
        raise click.ClickException("--create-token is refused in production mode: issue the token as an admin")
    stamped = f"{name}-{datetime.now(timezone.utc).strftime('%Y%m%d%H%M%S')}"
    try:
        with session_factory().begin() as session:
            _, secret = tokens.create(session, operator(), tokens.TokenRequest(name=stamped, role="tax_client"))
    except EcoLoopError as error:
        fail(error)
    return secret


def _echo(report: Report) -> None:
    click.echo(json.dumps(asdict(report), ensure_ascii=False))


@tax_group.command("publish")
@with_appcontext
def publish_command() -> None:
    """Offer the environment-side categories' changes now (the nightly ``exchange_publish`` job)."""
    click.echo(f"{exchange_jobs.publish(session_factory())} records offered")


@tax_group.command("watch")
@with_appcontext
def watch_command() -> None:
    """Check the sync now and notify administrators of late categories (the ``exchange_watch`` job)."""
    click.echo(f"{exchange_jobs.watch_sync(session_factory())} alerts raised")
