"""docs/examples/api_example.py, the example of docs/api.md, run as its own process against a live server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.web.api.conftest import login, ready_task_ids

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "api_example.py"


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The app served on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_example_logs_in_lists_and_completes_a_task(app: Flask, live_url: str) -> None:
    county = login(app, "county-440106")
    before = ready_task_ids(county)
    env = {**os.environ, "ECOLOOP_API_URL": live_url, "ECOLOOP_USER": "county-440106", "ECOLOOP_PASSWORD": "demo"}
    result = subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"{len(before)} open tasks" in result.stdout and "completed: 区县初审 (accept)" in result.stdout
    assert ready_task_ids(county) == before[1:]


def test_guide_shows_the_example_file_verbatim() -> None:
    guide = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8").strip() in guide
