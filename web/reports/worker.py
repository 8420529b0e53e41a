"""Generate queued reports right after the request that queued them committed (see :mod:`web.background`).

The scheduler's ``report_runs`` job works the same queue, so a run left behind by a stopped
process is still generated.
"""

from __future__ import annotations

from engine.reports import jobs as report_jobs
from web.background import Worker

WORKER = Worker("reports", report_jobs.process_all)
kick = WORKER.kick
