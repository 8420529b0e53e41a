"""``ecoloop registry import FILE [--dry-run]`` and ``ecoloop registry export``: the register's import and export.

The same services as the import page, committed at the command's edge: the valid
rows are written in one transaction, and every refused row is printed with its
line and reason (exit status 1 when any row was refused).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from engine.errors import EcoLoopError
from engine.register import exports, imports
from web.cli_support import fail, operator, session_factory


@click.group("registry")
def registry_group() -> None:
    """The register of enterprises and monitoring points (企业名录、点位)."""


@registry_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="preview only: show what would change, write nothing")
@with_appcontext
def import_command(file: Path, dry_run: bool) -> None:
    """Import an xlsx or CSV (UTF-8 or GBK) register file: add new rows, change changed ones."""
    try:
        with session_factory().begin() as session:
            preview = imports.preview(session, operator(), file.read_bytes(), file.name)
            if not dry_run:
                imports.apply(session, operator(), preview)
    except EcoLoopError as error:
        fail(error)
    for row in preview.of(imports.CHANGE):
        changes = "; ".join(f"{header}: {before!r} → {after!r}" for header, (before, after) in row.changes.items())
        click.echo(f"{row.sheet} 第 {row.line} 行 {row.key} 修改: {changes}")
    for row in preview.of(imports.REFUSED):
        click.echo(f"{row.sheet} 第 {row.line} 行 {row.key} 拒绝: {row.reason}", err=True)
    counts = preview.counts()
    click.echo(f"{'预览' if dry_run else '已导入'}: 新增 {counts['add']}, 修改 {counts['change']}, "
               f"未变 {counts['same']}, 拒绝 {counts['refused']}")
    if counts["refused"]:
        sys.exit(1)


@registry_group.command("export")
@click.option("--kind", type=click.Choice(sorted(exports.KINDS)), help="one kind only (required for CSV)")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "gbk"]), default="xlsx", show_default=True,
              help="csv is UTF-8 with BOM, gbk is GB18030")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="file to write [standard output]")
@with_appcontext
def export_command(kind: str | None, fmt: str, output: Path | None) -> None:
    """Export the register as a file that imports back unchanged."""
    try:
        with session_factory().begin() as session:
            data = exports.export(session, operator(), kind=kind, fmt=fmt)
    except EcoLoopError as error:
        fail(error)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
