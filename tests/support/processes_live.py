"""Real EcoLoop processes for tests: started with ``subprocess.Popen`` on free ports, ended by their own PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

ECOLOOP = [sys.executable, "-c", "from web.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(database_url: str, tmp: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without other ``ECOLOOP_*`` keys, pointed at the test's database and folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOLOOP_")}
    env.update({"ECOLOOP_DATABASE_URL": database_url, "ECOLOOP_EVIDENCE_DIR": str(tmp / "evidence"),
                "ECOLOOP_INSTANCE_DIR": str(tmp), "ECOLOOP_SECRET_KEY": "test-secret"})
    env.update(extra or {})
    return env


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer /healthz within {seconds} s")


@contextmanager
def running(args: list[str], env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``ecoloop ARGS`` until the block ends; then SIGTERM (SIGKILL after 30 s) by its PID."""
    with log.open("ab") as out:
        process = subprocess.Popen([*ECOLOOP, *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid`` with their command lines (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
        state = next(line.split()[1] for line in status.splitlines() if line.startswith("State:"))
        if ppid == pid and state != "Z":
            found[int(entry.name)] = cmdline
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status
