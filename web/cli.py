"""The ``ecoloop`` command: the same operations as the web, committed at the command's edge."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from engine import processes as bundled_processes
from engine.actors import Role
from engine.audit import trail as audit
from engine.demo.bootstrap import seed
from engine.errors import EcoLoopError
from engine.identity import local_users as users
from engine.migrate import upgrade
from engine.workflow import consistency
from engine.workflow import deployment as processes
from engine.workflow.bundle import read_model_file
from integrations.hj212.cli import hj212
from web import cli_backup, cli_monitoring, create_app, scheduler, server
from web.admin.commands import archive, calendar_group
from web.cli_support import fail, operator, session_factory
from web.inspection.cli import inspection_group
from web.register.cli import registry_group
from web.reports.cli import reports_group
from web.tokens.cli import tokens_group


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False, add_version_option=False)
def main() -> None:
    """EcoLoop 生态环境闭环监管平台."""
    bundled_processes.wire()  # commands that run without the app (receiver, imports) move workflows too
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("spiff", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every Alembic migration (creating the SQLite file's folder if needed)."""
    url = current_app.extensions["ecoloop.settings"].database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    click.echo("database is at the newest schema")


@main.command("demo")
@with_appcontext
def demo() -> None:
    """Deploy the bundled processes and create demo accounts and instances (idempotent)."""
    if current_app.extensions["ecoloop.settings"].production:
        raise click.ClickException("demo data is refused in production mode")
    with session_factory().begin() as session:
        seed(session, history=True)
    click.echo("demo data ready: users admin, province, city-440100, county-440106, county-440111 "
               "and two enterprises (password: demo)")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--dev", is_flag=True, help="Werkzeug's development server (one process, threaded) instead of gunicorn")
@with_appcontext
def serve(host: str, port: int, dev: bool) -> None:
    """Serve the web app under gunicorn (ECOLOOP_WEB_WORKERS × ECOLOOP_WEB_THREADS), with one scheduler beside it
    unless ECOLOOP_RUN_SCHEDULER_IN_WEB=0; SIGHUP to the printed pid reloads gracefully."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.extensions["ecoloop.settings"]
    if not dev:
        try:
            server.run(host, port, settings)
        except EcoLoopError as error:
            fail(error)
        return
    if settings.run_scheduler_in_web:
        scheduler.start_in_background(session_factory(), settings)
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command("scheduler")
@with_appcontext
def run_scheduler() -> None:
    """Run the timer sweep as its own process (safe to run several)."""
    settings = current_app.extensions["ecoloop.settings"]
    scheduler.run_forever(session_factory(), settings)


@main.group()
def process() -> None:
    """Process models."""


@process.command("deploy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def process_deploy(file: Path) -> None:
    """Check and deploy FILE (forms are read from forms/ beside it) as the new active version."""
    try:
        with session_factory().begin() as session:
            model = processes.deploy(session, operator(), *read_model_file(file))
            click.echo(f"{model.key} version {model.version} is active (sha256 {model.sha256[:12]})")
    except EcoLoopError as error:
        fail(error)


@process.command("list")
@with_appcontext
def process_list() -> None:
    """List every deployed version."""
    with session_factory()() as session:
        for model in processes.list_models(session):
            marker = "*" if model.is_active else " "
            click.echo(f"{marker} {model.key:<28} v{model.version:<4} {model.deployed_at:%Y-%m-%d %H:%M} {model.name}")


@main.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the hash chain; exit 1 naming the first broken event."""
    with session_factory()() as session:
        report = audit.verify(session)
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events")
        return
    click.echo(f"audit chain broken at event {report.broken_at}: {report.reason}", err=True)
    sys.exit(1)


@main.group("instances")
def instances_group() -> None:
    """Process instances."""


@instances_group.command("check")
@with_appcontext
def instances_check() -> None:
    """Compare every unfinished instance's task index with its workflow state; exit 1 on any mismatch."""
    with session_factory()() as session:
        mismatches = consistency.check_all(session)
    for mismatch in mismatches:
        click.echo(f"instance {mismatch.instance_id}: only in workflow {sorted(mismatch.only_in_workflow)}, "
                   f"only in index {sorted(mismatch.only_in_index)}", err=True)
    if mismatches:
        sys.exit(1)
    click.echo("task index agrees with every workflow")


@main.group("users")
def users_group() -> None:
    """Local accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", default=None, help="GB/T 2260 region code")
@click.option("--enterprise", default=None, help="unified social credit code")
@click.option("--name", default="", help="display name")
@click.password_option()
@with_appcontext
def users_create(username: str, roles: tuple[str, ...], region: str | None, enterprise: str | None, name: str,
                 password: str) -> None:
    """Create a local (argon2-hashed) account, e.g. the break-glass admin."""
    try:
        with session_factory().begin() as session:
            users.create(session, username, password, [Role(r) for r in roles], region_code=region,
                         enterprise_code=enterprise, display_name=name)
    except EcoLoopError as error:
        fail(error)
    click.echo(f"user {username} created")


main.add_command(hj212)
for _command in (*cli_monitoring.COMMANDS, *cli_backup.COMMANDS):
    main.add_command(_command)
main.add_command(calendar_group)
main.add_command(archive)
main.add_command(tokens_group)
main.add_command(reports_group)
main.add_command(registry_group)
main.add_command(inspection_group)

