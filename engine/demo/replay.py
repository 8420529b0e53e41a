"""Demo rule replay: a draft that shortens the constant-value window, replayed over the demo's recent days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.demo.accounts import ADMIN
from engine.replay import drafts, runs
from engine.replay.spec import CHINA, Period, Scope

DEMO_DRAFT = {"rules": {"constant": {"count": 4}, "sudden_change": {"ratio": 2.5}}}


def seed_replay(session: Session) -> None:
    """A saved draft and one finished province replay of it over the last three days (Shanghai dates)."""
    row = drafts.save(session, ADMIN, DEMO_DRAFT, name="恒值窗口 6→4、突变倍数 3→2.5（演示）")
    today = utcnow().astimezone(CHINA).date()
    period = Period(today - timedelta(days=3), today)
    run = runs.request(session, ADMIN, drafts.content(row), period, Scope("province", "440000"), draft_id=row.id)
    runs.run_here(session, run)
