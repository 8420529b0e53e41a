"""The demo seeds a draft and a finished replay of it over the demo's monitoring history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.demo.monitoring import seed_monitoring
from engine.demo.replay import seed_replay
from engine.replay.models import ReplayRun


def test_the_demo_replay_is_finished_with_the_draft_on_record(session: Session, deployed: dict[str, int]) -> None:
    seed_monitoring(session)
    seed_replay(session)
    run = session.scalars(select(ReplayRun)).one()
    assert run.status == "done" and run.draft_id is not None and run.summary is not None
    assert run.summary["changed"]["constant"]["count"] == [6, 4]
    assert run.summary["current"]["findings"]["total"] > 0
