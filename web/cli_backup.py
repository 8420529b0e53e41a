"""``ecoloop backup DEST`` and ``ecoloop restore SRC``: the database and the evidence store, with a manifest."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.runstate import backup as backups
from engine.errors import EcoLoopError
from web.cli_support import fail


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Write a consistent copy of the database (pg_dump, or SQLite's online backup) and the evidence into DEST,
    with manifest.json listing the sha256 of every file."""
    settings = current_app.extensions["ecoloop.settings"]
    try:
        summary = backups.backup(settings.database_url, settings.evidence_dir, dest)
    except EcoLoopError as error:
        fail(error)
    click.echo(f"backup written to {summary.folder}: {summary.backend} database and {summary.evidence_files} "
               f"evidence files, {summary.bytes} bytes")
    if settings.raw.get("EVIDENCE_STORE", "").strip().lower() == "s3":
        click.echo("note: evidence is in the S3 bucket (ECOLOOP_EVIDENCE_STORE=s3) and was not copied; "
                   "the bucket's versioning or replication keeps it (docs/deployment.md, section 8)", err=True)


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--check-only", is_flag=True, help="verify the backup against its manifest and change nothing")
@click.option("--yes", is_flag=True, help="do not ask before replacing the database")
@with_appcontext
def restore_command(src: Path, check_only: bool, yes: bool) -> None:
    """Verify SRC against its manifest (refusing a damaged or incomplete backup, naming the file), then replace
    the database with it and put every evidence file back. Stop the web servers and schedulers first."""
    settings = current_app.extensions["ecoloop.settings"]
    try:
        backups.verify(src)
        if check_only:
            click.echo(f"backup {src} is complete and intact")
            return
        if not yes:
            click.confirm(f"replace the database {settings.database_url.split('@')[-1]} with {src}?", abort=True)
        summary = backups.restore(src, settings.database_url, settings.evidence_dir)
    except EcoLoopError as error:
        fail(error)
    click.echo(f"restored {summary.backend} database and {summary.evidence_files} evidence files from {src}")


COMMANDS = (backup_command, restore_command)
