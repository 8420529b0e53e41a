"""``ecoloop serve``: gunicorn by default with one scheduler beside the workers, graceful reload, ``--dev``."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from engine.config import ConfigError, load_settings
from tests.conftest import BACKENDS
from tests.support.databases import fresh_database
from tests.support.processes_live import alive, children, environment, free_port, running, wait_healthy
from web.server import MAX_DEFAULT_WORKERS, ServerOptions, default_workers


def _workers(arbiter: int) -> set[int]:
    return {pid for pid, cmd in children(arbiter).items() if "scheduler" not in cmd}


def _schedulers(arbiter: int) -> set[int]:
    return {pid for pid, cmd in children(arbiter).items() if "scheduler" in cmd}


def _wait(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_serve_runs_gunicorn_with_one_scheduler_and_reloads_on_hup(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        port = free_port()
        env = environment(url, tmp_path, {"ECOLOOP_WEB_WORKERS": "2", "ECOLOOP_WEB_THREADS": "2"})
        with running(["serve", "--port", str(port)], env, tmp_path / "serve.log") as server:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server)
            assert requests.get(f"{base}/healthz", timeout=5).headers["Server"].startswith("gunicorn")
            _wait(lambda: len(_workers(server.pid)) == 2 and len(_schedulers(server.pid)) == 1)
            before, scheduler = _workers(server.pid), _schedulers(server.pid)

            server.send_signal(signal.SIGHUP)
            _wait(lambda: len(_workers(server.pid)) == 2 and not _workers(server.pid) & before)
            assert _schedulers(server.pid) == scheduler  # one scheduler, kept across the reload
            wait_healthy(base, server)

            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            assert server.returncode == 0
            _wait(lambda: not any(alive(pid) for pid in scheduler))


def test_serve_without_the_scheduler_starts_none(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        port = free_port()
        env = environment(url, tmp_path, {"ECOLOOP_WEB_WORKERS": "1", "ECOLOOP_RUN_SCHEDULER_IN_WEB": "0"})
        with running(["serve", "--port", str(port)], env, tmp_path / "serve.log") as server:
            wait_healthy(f"http://127.0.0.1:{port}", server)
            _wait(lambda: len(_workers(server.pid)) == 1)
            assert _schedulers(server.pid) == set()


def test_dev_flag_runs_the_werkzeug_server(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        port = free_port()
        env = environment(url, tmp_path, {"ECOLOOP_RUN_SCHEDULER_IN_WEB": "0"})
        with running(["serve", "--dev", "--port", str(port)], env, tmp_path / "serve.log") as server:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server)
            assert requests.get(f"{base}/healthz", timeout=5).headers["Server"].startswith("Werkzeug")


def test_worker_defaults_follow_the_cores_and_are_capped() -> None:
    assert default_workers(1) == 3
    assert default_workers(2) == 5
    assert default_workers(64) == MAX_DEFAULT_WORKERS
    options = ServerOptions.from_settings(load_settings({}, {"WEB_WORKERS": "3", "WEB_THREADS": "8"}))
    assert (options.workers, options.threads) == (3, 8)
    with pytest.raises(ConfigError, match="ECOLOOP_WEB_THREADS"):
        ServerOptions.from_settings(load_settings({}, {"WEB_THREADS": "0"}))
