"""The receiver's writer: a thread that stores parsed records in batches, and one that opens their tasks.

The asyncio side submits records, each with a callback; the writer thread
takes what is queued (up to ``batch_size``, waiting at most ``batch_wait``
seconds for more), ingests it in one transaction and calls the batch's
callbacks on the event loop (one hand-over per batch). A batch that fails is retried record by record,
so one bad record cannot hold back the others; a record that still fails is
answered ``storage_error`` (the logger keeps it and sends it again). Closure
tasks are opened by a second thread, so slow workflow starts never delay
storage; the scheduler's job opens whatever is left pending.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from engine.anomalies import cases
from engine.monitoring.ingest import Ingestor
from engine.monitoring.records import MeasurementRecord, PacketResult, refused

log = logging.getLogger(__name__)

Done = Callable[[PacketResult], None]
_Item = tuple[MeasurementRecord, Done]


@dataclass
class WriterStats:
    """Counters, and (wall time, records so far) after each of the last 10,000 batches."""

    batches: int = 0
    records: int = 0
    failures: int = 0
    busy_seconds: float = 0.0
    progress: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=10_000))


class BatchWriter:
    """Owns the queue between the event loop and the database (one writer thread per receiver)."""

    def __init__(
        self, sessions: sessionmaker[Session], ingestor: Ingestor, *, batch_size: int = 1000,
        batch_wait: float = 0.05,
    ) -> None:
        self.sessions = sessions
        self.ingestor = ingestor
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.stats = WriterStats()
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="hj212-writer", daemon=True)
        self._opener = TaskOpener(sessions)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread.start()
        self._opener.start()

    def submit(self, record: MeasurementRecord, done: Done) -> None:
        """Queue a record; ``done(result)`` is called on the event loop once it is stored or refused."""
        assert self._loop is not None, "start() the writer first"
        self._queue.put((record, done))

    def stop(self, timeout: float = 30.0) -> None:
        """Store what is queued, then end both threads."""
        self._queue.put(None)
        self._thread.join(timeout)
        self._opener.stop(timeout)

    def _run(self) -> None:
        while True:
            batch, stop = self._take()
            if batch:
                self._write(batch)
            if stop:
                return

    def _take(self) -> tuple[list[_Item], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        batch, deadline = [first], time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, batch: list[_Item]) -> None:
        started = time.perf_counter()
        records = [record for record, _ in batch]
        try:
            results = self._ingest(records)
        except Exception:
            log.exception("batch of %d records failed; storing them one by one", len(records))
            self.ingestor.recent.clear()  # it may hold records of the batch that rolled back
            results = [self._one(record) for record in records]
        self.stats.batches += 1
        self.stats.records += len(records)
        self.stats.busy_seconds += time.perf_counter() - started
        self.stats.progress.append((time.time(), self.stats.records))
        assert self._loop is not None
        self._loop.call_soon_threadsafe(_deliver, [done for _, done in batch], results)
        if any(result.anomalies for result in results):
            self._opener.wake()

    def _ingest(self, records: Sequence[MeasurementRecord]) -> list[PacketResult]:
        with self.sessions.begin() as session:
            return self.ingestor.ingest(session, records)

    def _one(self, record: MeasurementRecord) -> PacketResult:
        try:
            return self._ingest([record])[0]
        except Exception as exc:
            self.ingestor.recent.clear()
            self.stats.failures += 1
            log.error("record MN=%s CN=%s %s not stored: %s", record.mn, record.cn, record.data_time, exc)
            return refused("storage_error", "the record could not be stored; send it again", record)


def _deliver(callbacks: list[Done], results: list[PacketResult]) -> None:
    for done, result in zip(callbacks, results):
        try:
            done(result)
        except Exception:  # one failing callback must not keep the batch's other answers back
            log.exception("handling the result of a stored record failed")


class TaskOpener:
    """Opens closure tasks for pending anomalies when woken (and every ``interval`` seconds)."""

    def __init__(self, sessions: sessionmaker[Session], interval: float = 30.0,
                 open_batch: Callable[[Session], cases.OpenReport] = cases.open_pending) -> None:
        self.sessions = sessions
        self.interval = interval
        self.opened = 0
        self._open_batch = open_batch
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="hj212-task-opener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            self._drain()
            if self._stopping:
                return

    def _drain(self) -> None:
        try:
            while True:
                with self.sessions.begin() as session:
                    report = self._open_batch(session)
                self.opened += report.opened
                if report.handled < cases.DEFAULT_BATCH:
                    return
        except Exception:  # left pending; the scheduler's job retries
            log.exception("opening closure tasks failed")
