"""``ecoloop inspection verify-draw ID``, ``… classify`` and ``… sync``: the random-inspection commands.

``verify-draw`` recomputes a draw from its inputs and seed (the stored ones, or a published inputs file
and seed given on the command line) and prints each check; exit status 1 when any check fails. The seed of
a draw not yet revealed is used but never printed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from engine.calendar.workdays import SHANGHAI
from engine.db import utcnow
from engine.errors import EcoLoopError, NotFound
from engine.inspection import classes, directory
from engine.inspection.models import Draw
from engine.inspection.verify import Verification, check_document, stored_assignments, verify
from web.cli_support import fail, operator, session_factory


@click.group("inspection")
def inspection_group() -> None:
    """双随机、一公开: directories, classes, draws (random inspection)."""


@inspection_group.command("verify-draw")
@click.argument("draw_id", type=int)
@click.option("--inputs", "inputs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a published inputs JSON file to check instead of the stored inputs")
@click.option("--seed", help="the published seed (hex) to check instead of the stored one")
@with_appcontext
def verify_draw_command(draw_id: int, inputs_file: Path | None, seed: str | None) -> None:
    """Recompute a draw bit for bit and check its commitment, inputs hash, audit record and result."""
    try:
        with session_factory().begin() as session:
            result = verify(session, draw_id, public=False)
            if inputs_file is not None or seed is not None:
                result = _published(session, draw_id, inputs_file, seed)
    except EcoLoopError as error:
        fail(error)
    except (ValueError, OSError) as error:
        click.echo(f"error: --inputs: {error}", err=True)
        sys.exit(2)
    for check in result.checks:
        click.echo(f"{'OK ' if check.ok else 'BAD'} {check.name}: {check.detail}")
    click.echo(f"draw {draw_id}: {'verified' if result.ok else 'NOT VERIFIED'}"
               + (f" (result sha256 {result.recomputed_hash})" if result.recomputed_hash else ""))
    if not result.ok:
        sys.exit(1)


def _published(session: Session, draw_id: int, inputs_file: Path | None, seed: str | None) -> Verification:
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise NotFound(f"抽取 {draw_id} 不存在 (no such draw)")
    inputs = json.loads(inputs_file.read_text("utf-8")) if inputs_file else draw.inputs
    return check_document(draw.id, inputs, seed or draw.seed, draw.seed_commitment, draw.inputs_hash,
                          stored_assignments(session, draw.id))


@inspection_group.command("classify")
@with_appcontext
def classify_command() -> None:
    """Recompute the class of every directory object from credit, risk, penalty, list and complaint data."""
    try:
        with session_factory().begin() as session:
            totals = classes.recompute(session, operator(), utcnow().astimezone(SHANGHAI).date())
    except EcoLoopError as error:
        fail(error)
    click.echo(f"特殊 {totals['special']}, 重点 {totals['key']}, 一般 {totals['general']}; 变更 {totals['changed']}")


@inspection_group.command("sync")
@with_appcontext
def sync_command() -> None:
    """Add the register's enterprises to the object directory as discharge units (and follow changes)."""
    try:
        with session_factory().begin() as session:
            counts = directory.sync_units(session, operator())
    except EcoLoopError as error:
        fail(error)
    click.echo(f"新增 {counts['added']}, 更新 {counts['changed']}")
