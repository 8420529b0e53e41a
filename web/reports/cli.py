"""``ecoloop reports generate KIND --period YYYY-MM [--region CODE] [--industry NAME] [--output FILE]``
and ``ecoloop reports list``: the same services as the reports page, committed at the command's edge."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.actors import Actor
from engine.errors import EcoLoopError
from engine.reports import builders, runs
from engine.reports.models import ReportStatus
from engine.reports.scope import PROVINCE


@click.group("reports")
def reports_group() -> None:
    """Statistics reports (统计报表)."""


@reports_group.command("generate")
@click.argument("kind", type=click.Choice(sorted(builders.KINDS)))
@click.option("--period", required=True, help="YYYY-MM (or YYYY for yearly reports)")
@click.option("--region", default=PROVINCE, show_default=True, help="scope: 440000, a city 4401xx00 or a county")
@click.option("--industry", default="", help="industry of the supervision ledger (督办台账)")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="also write the file here")
@with_appcontext
def generate(kind: str, period: str, region: str, industry: str, output: Path | None) -> None:
    """Generate and store a report now; prints the run id, file name and SHA-256."""
    scoped = runs.scope_actor(region)
    operator = Actor(f"cli:{getpass.getuser()}", scoped.roles, scoped.region_code)
    options = {"industry": industry} if industry and kind == "supervision_ledger" else {}
    try:
        with current_app.extensions["ecoloop.sessions"].begin() as session:
            run = runs.generate(session, runs.request(session, operator, kind, period, options))
            content = run.content
            summary = (run.id, run.status, run.filename, run.sha256, run.error)
    except EcoLoopError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    run_id, status, filename, sha256, message = summary
    if status != ReportStatus.DONE:
        click.echo(f"run {run_id} failed: {message}", err=True)
        sys.exit(1)
    if output is not None and content is not None:
        output.write_bytes(content)
    click.echo(f"run {run_id}: {filename} sha256={sha256}")


@reports_group.command("list")
@click.option("--limit", default=20, show_default=True, type=int)
@with_appcontext
def list_runs(limit: int) -> None:
    """The latest runs with their state and generation time."""
    with current_app.extensions["ecoloop.sessions"]() as session:
        for run in runs.visible(session, runs.scope_actor(PROVINCE), limit):
            finished = run.finished_at.isoformat(timespec="seconds") if run.finished_at else "-"
            click.echo(f"{run.id}\t{run.kind}\t{run.period}\t{run.region_code}\t{run.status}\t{run.attempts}\t{finished}"
                       f"\t{run.error[:80]}")
