"""Run queued replays right after the request that queued them committed (see :mod:`web.background`).

The scheduler's ``replay_runs`` job works the same queue, so a replay left behind by a
stopped process still runs.
"""

from __future__ import annotations

from flask import current_app, g

from engine.replay import jobs as replay_jobs
from web.background import Worker

WORKER = Worker("replays", replay_jobs.process_all)


def mark_queued() -> None:
    """Ask for the replay to start once this request has committed."""
    g.replay_queued = True


def start_queued(exc: BaseException | None) -> None:
    """Teardown hook: after the request committed (teardown follows the commit), run what it queued."""
    if exc is None and g.pop("replay_queued", False):
        WORKER.kick(current_app.extensions["ecoloop.sessions"], current_app.extensions["ecoloop.read_sessions"])
