"""Several receiver processes on one listening socket: ``ecoloop receive --workers N``.

One receiver is one interpreter: its event loop (reading, parsing, replying)
and its writer thread (storing, judging) share one GIL, so it uses about one
core. The parent binds the socket, forks ``N`` workers that each accept on it
with their own event loop, writer and database connections (the kernel hands
each new connection to one of them; a busy worker accepts less), and forwards
SIGINT/SIGTERM to them. Nothing is shared between workers but the database,
which keeps them correct: records are unique on (MN, CN, DataTime) and
replaced under row locks, anomalies are unique on their slot, and tasks are
opened under ``SKIP LOCKED`` (see ``tests/engine/monitoring/test_concurrency.py``).
A logger keeps its connection, so its packets stay in order within one worker.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import socket
import threading
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .receiver import BACKLOG, Receiver, ReceiverSettings, collect_garbage_less_often

log = logging.getLogger(__name__)

Sessions = sessionmaker[Session]


def listening_socket(settings: ReceiverSettings) -> socket.socket:
    """The socket every worker accepts on (port 0: a free port, read it with ``getsockname``)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


class Workers:
    """``count`` forked receiver processes; :meth:`stop` ends them and returns their statistics."""

    def __init__(self, sessions: Sessions, settings: ReceiverSettings, count: int) -> None:
        if count < 1:
            raise ValueError("at least one worker")
        self.socket = listening_socket(settings)
        self.port = int(self.socket.getsockname()[1])
        context = multiprocessing.get_context("fork")  # the workers inherit the socket and the app's set-up
        self._processes: list[Any] = []
        self._pipes: list[Connection] = []
        for number in range(count):
            receiving, sending = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(sessions, settings, self.socket, sending),
                                      name=f"hj212-receiver-{number}", daemon=True)
            process.start()
            sending.close()
            self._processes.append(process)
            self._pipes.append(receiving)
        log.info("HJ 212 receiver: %d workers listening on %s:%d", count, settings.host, self.port)

    def stop(self, timeout: float = 120.0) -> list[dict[str, Any]]:
        """Ask every worker to finish (they store what they hold and answer it), wait, collect statistics."""
        for process in self._processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: a clean shutdown in the worker
        stats = [_report(pipe, timeout) for pipe in self._pipes]
        for process in self._processes:
            process.join(timeout)
            if process.is_alive():  # it never got to its clean shutdown
                process.kill()
        self.socket.close()
        return stats

    def alive(self) -> bool:
        return all(process.is_alive() for process in self._processes)


def _report(pipe: Connection, timeout: float) -> dict[str, Any]:
    """A worker's statistics; empty when it died or did not finish in time."""
    try:
        return dict(pipe.recv()) if pipe.poll(timeout) else {}
    except EOFError:
        return {}


def merged(stats: list[dict[str, Any]]) -> dict[str, Any]:
    """The workers' counters added up."""
    total: Counter[str] = Counter()
    for one in stats:
        total.update({key: value for key, value in one.items() if isinstance(value, (int, float))})
    return dict(total)


def _work(sessions: Sessions, settings: ReceiverSettings, sock: socket.socket, report: Connection) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # until the event loop takes it over: nothing held yet
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    _forget_inherited_connections(sessions)
    collect_garbage_less_often()
    receiver = asyncio.run(_serve(sessions, settings, sock))
    writer = receiver.writer.stats
    report.send({**dict(receiver.stats), "writer_busy_s": writer.busy_seconds, "batches": writer.batches,
                 "records": writer.records, "progress": list(writer.progress)})
    report.close()


async def _serve(sessions: Sessions, settings: ReceiverSettings, sock: socket.socket) -> Receiver:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    receiver = Receiver(sessions, settings)
    await receiver.start(sock=sock)
    try:
        await stop.wait()
    finally:
        await receiver.close()
    return receiver


def _forget_inherited_connections(sessions: Sessions) -> None:
    """SQLAlchemy's rule after a fork: drop the parent's pooled connections without closing them."""
    bind = sessions.kw.get("bind")
    if isinstance(bind, Engine):
        bind.dispose(close=False)


def serve_workers(sessions: Sessions, settings: ReceiverSettings, count: int) -> dict[str, Any]:
    """Run ``count`` workers until SIGINT or SIGTERM (or until one dies); returns their counters added up."""
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        workers = Workers(sessions, settings, count)
        while not stop.wait(0.5):
            if not workers.alive():
                log.error("a receiver worker ended by itself; stopping the others")
                break
        return merged(workers.stop())
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
