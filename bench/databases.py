"""Throw-away databases for a benchmark run, and a description of the machine it ran on."""

from __future__ import annotations

import os
import platform
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import create_engine, text

from engine.migrate import scratch_postgres_database, upgrade

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def bench_database(backend: str, pg_url: str) -> Iterator[str]:
    """Yield the URL of a new, migrated database (a temporary SQLite file or ``ecoloop_bench_<hex>``), dropped after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ecoloop-bench-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    with scratch_postgres_database(pg_url, "ecoloop_bench_") as url:
        yield url


def machine(pg_url: str | None) -> dict[str, str]:
    """CPU, memory, OS and the versions that matter to the figures."""
    info = {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": _cpuinfo("model name"),
        "memory": f"{_meminfo_gib():.1f} GiB",
        "os": _os_release(),
        "python": platform.python_version(),
        "SpiffWorkflow": version("SpiffWorkflow"),
        "SQLAlchemy": version("SQLAlchemy"),
        "psycopg": version("psycopg"),
        "sqlite": sqlite3.sqlite_version,
    }
    if pg_url:
        engine = create_engine(pg_url)
        with engine.connect() as connection:
            info["postgresql"] = str(connection.scalar(text("SHOW server_version")))
        engine.dispose()
    return info


def _cpuinfo(key: str) -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith(key):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _os_release() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"') + f" (kernel {platform.release()})"
    return platform.platform()
