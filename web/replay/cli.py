"""``ecoloop monitoring replay``: a draft rule set replayed over stored data, its summary printed as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import EcoLoopError, InvalidInput
from engine.replay import runs
from engine.replay.models import FINISHED, ReplayRun
from engine.replay.spec import Period, Scope
from web.cli_support import fail, operator, session_factory


@click.command("replay")
@click.option("--draft", "draft_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the draft rule set, JSON: {\"rules\": {...}, \"factors\": {MN: {code: {...}}}}")
@click.option("--from", "first", required=True, help="first day, YYYY-MM-DD (Asia/Shanghai)")
@click.option("--to", "last", required=True, help="last day, YYYY-MM-DD (inclusive)")
@click.option("--city", default=None, help="a city's region code, e.g. 440100")
@click.option("--county", default=None, help="a county's region code, e.g. 440106")
@click.option("--enterprise", default=None, help="one enterprise's unified social credit code")
@click.option("--xlsx", "xlsx", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="also write the replay as an .xlsx workbook")
@with_appcontext
def replay_command(draft_file: Path, first: str, last: str, city: str | None, county: str | None,
                   enterprise: str | None, xlsx: Path | None) -> None:
    """Replay the stored hourly data with the draft and the current rules; print the JSON summary.

    Exits with 2, naming the field, for an invalid draft, period or scope (nothing is written).
    """
    try:
        scope = _scope(city, county, enterprise)
        period = Period.parse(first, last)
        raw = _read_draft(draft_file)
        sessions = session_factory()
        with sessions.begin() as session:
            run_id = runs.request(session, operator(), raw, period, scope).id
    except EcoLoopError as error:
        fail(error)
    with sessions.begin() as session:
        ours = runs.claim(session, run_id) == run_id
    reads = current_app.extensions["ecoloop.read_sessions"]
    status = runs.execute(sessions, run_id, reads=reads) if ours else _wait(sessions, run_id)
    with sessions() as session:
        run = session.get(ReplayRun, run_id)
        assert run is not None
        if status != "done":
            click.echo(f"error: replay {run_id} {status}: {run.error}", err=True)
            sys.exit(1)
    if xlsx is not None:
        with sessions.begin() as session:
            xlsx.write_bytes(runs.export(session, operator(), run_id)[1])
    click.echo(json.dumps({"run": run_id, **(run.summary or {})}, ensure_ascii=False, indent=2))


def _wait(sessions: sessionmaker[Session], run_id: int) -> str:
    """A scheduler took the run first: follow it to its end."""
    while True:
        with sessions() as session:
            run = session.get(ReplayRun, run_id)
            if run is None or run.status in FINISHED:
                return run.status if run else "missing"
        time.sleep(1)


def _scope(city: str | None, county: str | None, enterprise: str | None) -> Scope:
    given = [(kind, code) for kind, code in (("city", city), ("county", county), ("enterprise", enterprise)) if code]
    if len(given) > 1:
        raise InvalidInput("one scope at most", fields={"scope": ["--city、--county、--enterprise 至多一个 (one at most)"]})
    return Scope.parse(*given[0]) if given else Scope.parse("province", None)


def _read_draft(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("the draft is not JSON", fields={"draft": [f"不是有效的 JSON (invalid JSON): {exc}"]})
