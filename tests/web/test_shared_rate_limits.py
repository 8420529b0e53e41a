"""Rate-limit counters shared by every gunicorn worker through Redis (``ECOLOOP_RATELIMIT_STORAGE``).

With the default ``memory://`` each worker would count alone; with Redis, failed log-ins from one
address count once whichever worker answers them. Redis runs at 127.0.0.1:6379 beside PostgreSQL;
this test uses database 11 of its own and empties it first. In CI a missing Redis is a failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import redis
import requests

from tests.support.databases import fresh_database
from tests.support.processes_live import environment, free_port, running, wait_healthy

REDIS_URL = "redis://127.0.0.1:6379/11"
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def redis_db() -> str:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer at 127.0.0.1:6379")
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    return REDIS_URL


def _failed_login(base: str) -> int:
    """One failed log-in on a new connection (so any worker may answer it)."""
    with requests.Session() as browser:
        page = browser.get(f"{base}/login", headers={"Connection": "close"}, timeout=10).text
        match = CSRF.search(page)
        assert match is not None
        answer = browser.post(f"{base}/login", data={"username": "nobody", "password": "wrong",
                                                      "csrf_token": match.group(1)},
                              headers={"Connection": "close"}, timeout=10, allow_redirects=False)
        return answer.status_code


def test_failed_log_ins_count_once_across_workers(redis_db: str, tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        port = free_port()
        env = environment(url, tmp_path, {"ECOLOOP_WEB_WORKERS": "3", "ECOLOOP_WEB_THREADS": "1",
                                          "ECOLOOP_RUN_SCHEDULER_IN_WEB": "0", "ECOLOOP_RATELIMIT_STORAGE": redis_db,
                                          "ECOLOOP_LOGIN_RATE_LIMIT": "4 per minute"})
        with running(["serve", "--port", str(port)], env, tmp_path / "serve.log") as server:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server)
            codes = [_failed_login(base) for _ in range(5)]
    assert codes[:4] == [401] * 4 and codes[4] == 429, codes
    assert redis.Redis.from_url(redis_db).keys("*ecoloop*")  # the counters are in Redis
