"""``ecoloop serve``: the app under gunicorn (gthread workers), with one scheduler process beside the workers.

Workers and threads come from ``ECOLOOP_WEB_WORKERS`` (default 2 × cores + 1, at most
:data:`MAX_DEFAULT_WORKERS`) and ``ECOLOOP_WEB_THREADS`` (default 4). Each worker builds its
own app after the fork (no preloading), so no database connection is shared across processes.

When ``ECOLOOP_RUN_SCHEDULER_IN_WEB`` is on (the default, which ``make demo`` relies on), the
arbiter starts exactly one ``ecoloop scheduler`` child once it is ready and stops it when it
exits: the timer sweep runs once per server, not once per worker, and survives worker
restarts and graceful reloads (``kill -HUP <arbiter pid>`` replaces the workers one by one
with new code and settings; the scheduler child is left running).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from engine.config import ConfigError, Settings

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

MAX_DEFAULT_WORKERS = 12
DEFAULT_THREADS = 4
DEFAULT_TIMEOUT_SECONDS = 60
SCHEDULER_COMMAND = [sys.executable, "-c", "from web.cli import main; main(['scheduler'])"]


@dataclass(frozen=True)
class ServerOptions:
    """How gunicorn runs: read from the settings by :meth:`from_settings`."""

    workers: int
    threads: int
    timeout_seconds: int
    scheduler: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerOptions:
        """:raises ConfigError: naming the variable that is not a positive whole number."""
        raw = settings.raw
        return cls(workers=_positive(raw, "WEB_WORKERS", default_workers()),
                   threads=_positive(raw, "WEB_THREADS", DEFAULT_THREADS),
                   timeout_seconds=_positive(raw, "WEB_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS),
                   scheduler=settings.run_scheduler_in_web)


def default_workers(cores: int | None = None) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped: more workers than that only add memory and connections."""
    count = cores if cores is not None else (os.cpu_count() or 1)
    return min(2 * count + 1, MAX_DEFAULT_WORKERS)


def _positive(raw: Mapping[str, str], key: str, default: int) -> int:
    text = raw.get(key)
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"ECOLOOP_{key} must be a positive whole number, not {text!r}")
    return int(text)


class EcoLoopServer(BaseApplication):
    """gunicorn configured in code; ``load`` runs in each worker after the fork."""

    def __init__(self, host: str, port: int, options: ServerOptions) -> None:
        self.bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.options = options
        self.scheduler_process: subprocess.Popen[bytes] | None = None
        super().__init__()

    def load_config(self) -> None:
        values: dict[str, Any] = {
            "bind": [self.bind], "workers": self.options.workers, "threads": self.options.threads,
            "worker_class": "gthread", "timeout": self.options.timeout_seconds, "graceful_timeout": 30,
            "accesslog": None, "errorlog": "-", "loglevel": "info", "proc_name": "ecoloop-web",
            "when_ready": self._when_ready, "on_exit": self._on_exit, "child_exit": _child_exit,
        }
        for key, value in values.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from web import create_app

        return create_app()

    def _when_ready(self, arbiter: Any) -> None:
        if self.options.scheduler and self.scheduler_process is None:
            env = {key: value for key, value in os.environ.items() if key != MULTIPROC_ENV}
            self.scheduler_process = subprocess.Popen(SCHEDULER_COMMAND, env=env)
            arbiter.log.info("scheduler running as pid %s", self.scheduler_process.pid)

    def _on_exit(self, arbiter: Any) -> None:
        process = self.scheduler_process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def prepare_metrics_dir(settings: Settings) -> Path:
    """The folder the workers' metrics are shared in (``ECOLOOP_METRICS_DIR``, else a new temporary one),
    emptied of an earlier server's files and named in ``PROMETHEUS_MULTIPROC_DIR`` for the workers."""
    configured = settings.raw.get("METRICS_DIR")
    folder = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="ecoloop-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def run(host: str, port: int, settings: Settings) -> None:
    """Serve until stopped (SIGTERM/SIGINT: graceful stop; SIGHUP: graceful reload)."""
    options = ServerOptions.from_settings(settings)
    prepare_metrics_dir(settings)
    log.info("gunicorn on %s:%s with %d workers × %d threads", host, port, options.workers, options.threads)
    EcoLoopServer(host, port, options).run()
