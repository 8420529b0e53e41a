"""``ecoloop calendar …`` and ``ecoloop archive``: the calendar and retention operations from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.calendar import holidays as calendar
from engine.errors import EcoLoopError
from engine.instances import jobs as instance_jobs
from engine.instances import retention
from engine.workflow import jobs as workflow_jobs
from engine.workflow import recompute
from web.cli_support import fail, operator, session_factory


@click.group("calendar")
def calendar_group() -> None:
    """The statutory working-day calendar (holidays and make-up working days)."""


@calendar_group.command("seed")
@with_appcontext
def calendar_seed() -> None:
    """Add the years chinese-calendar knows (never overwriting an entered year); recompute what they settle."""
    with session_factory().begin() as session:
        added, recomputed = recompute.seed_calendar(session, operator())
    click.echo(f"years added: {', '.join(map(str, added)) or 'none'}; instances recomputed: {len(recomputed)}")


@calendar_group.command("show")
@with_appcontext
def calendar_show() -> None:
    """List the entered years and the years open deadlines need but nobody entered."""
    with session_factory()() as session:
        for entry in reversed(calendar.list_years(session)):
            click.echo(f"{entry.year}  {entry.source:<16} holidays {len(entry.holidays):>3}  "
                       f"make-up days {len(entry.makeup_workdays):>2}  {entry.entered_by}")
        missing = recompute.unknown_years_warning(session)
    if missing:
        click.echo(f"not entered (deadlines provisional): {', '.join(map(str, missing))}")


@calendar_group.command("recompute")
@with_appcontext
def calendar_recompute() -> None:
    """Recompute provisional deadlines whose years have been entered (the scheduler does this daily)."""
    click.echo(f"instances recomputed: {workflow_jobs.recompute_all(session_factory(), operator())}")


@click.command("archive")
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None,
              help="days since an instance finished (default ECOLOOP_ARCHIVE_AFTER_DAYS, 365)")
@click.option("--batch", type=click.IntRange(min=1, max=1000), default=retention.DEFAULT_BATCH, show_default=True)
@with_appcontext
def archive(days: int | None, batch: int) -> None:
    """Move finished instances older than DAYS out of the hot tables (one transaction per batch)."""
    try:
        age = days or retention.archive_after_days(current_app.extensions["ecoloop.settings"].raw)
        archived, skipped = instance_jobs.archive_all(session_factory(), operator(), age, batch=batch)
    except EcoLoopError as error:
        fail(error)
    click.echo(f"instances archived: {archived}; kept (still referenced): {skipped}")
