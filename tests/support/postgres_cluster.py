"""A PostgreSQL primary and its streaming standby, made for one test module and stopped by their PIDs.

The shared server at 127.0.0.1:5432 accepts no replication connections (its ``pg_hba.conf`` has no
``replication`` line, and it is not ours to change), so the fixture makes its own primary with
``initdb`` on a free port, configured for streaming replication, and a true hot standby of it with
``pg_basebackup -R`` (which writes ``standby.signal`` and ``primary_conninfo``). Both run as the
``postgres`` user when the tests run as root (the server refuses root), each under
``subprocess.Popen`` so its PID is the postmaster's own, and are stopped with SIGINT (fast shutdown).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Server:
    """One running cluster: its data directory, port, postmaster process and SQLAlchemy URL."""

    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def bin_dir() -> Path:
    """The server programs' folder (Debian keeps them out of PATH); a missing server is an error."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        return Path(subprocess.run([pg_config, "--bindir"], check=True, capture_output=True, text=True).stdout.strip())
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    if not found:
        raise RuntimeError("the PostgreSQL server programs (initdb, postgres, pg_basebackup) are not installed")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user() -> dict[str, Any]:
    """Popen arguments that run a server program as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _run(*command: str | Path) -> None:
    subprocess.run([str(part) for part in command], check=True, capture_output=True, **_as_server_user())


def _owned_dir(path: Path) -> Path:
    path.mkdir(mode=0o700)
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def _start(data_dir: Path, port: int) -> Server:
    log = open(data_dir.parent / f"{data_dir.name}.log", "wb")  # noqa: SIM115 - the server writes it until stopped
    process = subprocess.Popen([str(bin_dir() / "postgres"), "-D", str(data_dir), "-p", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, **_as_server_user())
    server = Server(data_dir, port, process)
    _wait_until_up(server)
    return server


def _wait_until_up(server: Server) -> None:
    engine = create_engine(server.url)
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"postgres on port {server.port} exited: see {server.data_dir}.log")
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        engine.dispose()


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGINT)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait()


def _primary(root: Path) -> Server:
    data_dir = _owned_dir(root / "primary")
    _run(bin_dir() / "initdb", "-D", data_dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8",
         "--locale=C.UTF-8")
    with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(f"\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\nwal_level = replica\n"
                   "max_wal_senders = 4\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                   "shared_buffers = 32MB\nhot_standby = on\n")
    with open(data_dir / "pg_hba.conf", "a", encoding="utf-8") as hba:
        hba.write("\nhost replication all 127.0.0.1/32 trust\n")
    return _start(data_dir, free_port())


def _standby(root: Path, primary: Server) -> Server:
    data_dir = root / "standby"
    _run(bin_dir() / "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", data_dir,
         "-R", "-X", "stream", "--no-sync")
    port = free_port()
    with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(f"\nport = {port}\n")
    return _start(data_dir, port)


@contextmanager
def streaming_pair() -> Iterator[tuple[Server, Server]]:
    """Start a primary and a hot standby streaming from it; stop both and remove their files afterwards.

    The clusters live in a new folder of the system's temp dir (pytest's are private to the user
    running the tests, which the server's own user may not enter).
    """
    root = Path(tempfile.mkdtemp(prefix="ecoloop-replica-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(root, entry.pw_uid, entry.pw_gid)
    primary = standby = None
    try:
        primary = _primary(root)
        standby = _standby(root, primary)
        yield primary, standby
    finally:
        for server in (standby, primary):
            if server is not None:
                _stop(server)
        shutil.rmtree(root, ignore_errors=True)


def wait_for_replay(primary: Server, standby: Server, timeout_s: float = 30.0) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    primary_engine, standby_engine = create_engine(primary.url), create_engine(standby.url)
    try:
        with primary_engine.connect() as connection:
            target = connection.scalar(text("SELECT pg_current_wal_lsn()"))
        deadline = time.monotonic() + timeout_s
        with standby_engine.connect() as connection:
            while not connection.scalar(text("SELECT pg_last_wal_replay_lsn() >= CAST(:target AS pg_lsn)"),
                                        {"target": target}):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the standby did not replay up to {target} in {timeout_s} s")
                time.sleep(0.1)
                connection.rollback()
    finally:
        primary_engine.dispose()
        standby_engine.dispose()


def set_replay_paused(standby: Server, paused: bool) -> None:
    """Pause or resume WAL replay on the standby (what it shows stays as it was while paused)."""
    engine = create_engine(standby.url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"))
    finally:
        engine.dispose()
