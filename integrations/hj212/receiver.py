"""``ecoloop receive``: the asyncio TCP server that data loggers send HJ 212 packets to.

Per connection: a :class:`~.stream.StreamFramer` (bounded buffer; a client that
streams bytes without frames is cut off), a :class:`~.reassembly.Reassembler`
for split packets, an idle timeout, and at most ``max_in_flight`` packets
waiting for their reply. Packets are parsed on the event loop and handed to
the :class:`~.writer.BatchWriter` thread; at most ``max_pending`` wait there in
total, after which connections stop being read (TCP pushes back on senders).
Replies go out in packet order once the record is stored (9014), or say why
not (9011 ``QnRtn``), when the packet's Flag asks for one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from engine.monitoring.ingest import Ingestor
from engine.monitoring.records import PacketResult
from engine.monitoring.registry import PointDirectory

from .errors import PacketRefused, StreamOverflow
from .packet import Packet
from .parser import parse_packet
from .reassembly import Reassembler
from .records import to_record
from .replies import reply_for_refusal, reply_for_result
from .stream import StreamFramer
from .writer import BatchWriter

log = logging.getLogger(__name__)

ANSWER_COMMANDS = frozenset({"9011", "9012", "9013", "9014"})
"""A logger's answers to platform commands: nothing to store and nothing to answer."""


@dataclass(frozen=True)
class ReceiverSettings:
    host: str = "0.0.0.0"
    port: int = 6212
    idle_timeout: float = 300.0
    max_garbage: int = 8192
    read_size: int = 16384
    max_connections: int = 20_000
    max_pending: int = 20_000
    max_in_flight: int = 512
    batch_size: int = 1000
    batch_wait: float = 0.05
    registry_ttl: float = 60.0

    @classmethod
    def from_raw(cls, raw: Mapping[str, str], **overrides: object) -> ReceiverSettings:
        """Read ``HJ212_IDLE_TIMEOUT`` etc. from :attr:`engine.config.Settings.raw`; ``overrides`` win."""
        values: dict[str, object] = {}
        for name, spec in cls.__dataclass_fields__.items():
            text = raw.get(f"HJ212_{name.upper()}")
            if text:
                values[name] = text if spec.type == "str" else (float(text) if spec.type == "float" else int(text))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


@dataclass
class _Connection:
    peer: str
    writer: asyncio.StreamWriter
    in_flight: asyncio.Semaphore
    replies: asyncio.Queue[tuple[Packet | None, asyncio.Future[PacketResult] | bytes]] = field(
        default_factory=asyncio.Queue)


class Receiver:
    """The server; ``stats`` counts frames, outcomes and refusals by reason."""

    def __init__(self, sessions: sessionmaker[Session], settings: ReceiverSettings | None = None,
                 ingestor: Ingestor | None = None) -> None:
        self.settings = settings or ReceiverSettings()
        self.ingestor = ingestor or Ingestor(PointDirectory(ttl=self.settings.registry_ttl))
        self.writer = BatchWriter(sessions, self.ingestor, batch_size=self.settings.batch_size,
                                  batch_wait=self.settings.batch_wait)
        self.stats: Counter[str] = Counter()
        self._server: asyncio.Server | None = None
        self._pending: asyncio.Semaphore | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._pending = asyncio.Semaphore(self.settings.max_pending)
        self.writer.start(asyncio.get_running_loop())
        self._server = await asyncio.start_server(self._accept, self.settings.host, self.settings.port,
                                                  limit=self.settings.read_size)
        log.info("HJ 212 receiver listening on %s:%d", self.settings.host, self.port)

    async def close(self) -> None:
        """Stop accepting, end the connections (their queued packets are still stored), stop the writer."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(None, self.writer.stop)
        log.info("HJ 212 receiver stopped: %s", dict(self.stats))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = str(writer.get_extra_info("peername"))
        if len(self._connections) >= self.settings.max_connections:
            self.stats["refused_connections"] += 1
            writer.close()
            return
        self._connections.add(task)
        self.stats["connections"] += 1
        connection = _Connection(peer, writer, asyncio.Semaphore(self.settings.max_in_flight))
        replier = asyncio.create_task(self._reply_loop(connection))
        try:
            await self._read_loop(reader, connection)
        except asyncio.CancelledError:
            pass
        finally:
            await self._finish(connection, replier)
            self._connections.discard(task)

    async def _finish(self, connection: _Connection, replier: asyncio.Task[None]) -> None:
        """Send the replies still due (the writer keeps storing), then close; a second cancel only hurries it."""
        connection.replies.put_nowait((None, b""))  # ends the reply loop once earlier replies are out
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(replier, self.settings.idle_timeout)
        connection.writer.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await connection.writer.wait_closed()

    async def _read_loop(self, reader: asyncio.StreamReader, connection: _Connection) -> None:
        framer = StreamFramer(max_garbage=self.settings.max_garbage)
        reassembler = Reassembler()
        while True:
            try:
                data = await asyncio.wait_for(reader.read(self.settings.read_size), self.settings.idle_timeout)
            except (asyncio.TimeoutError, TimeoutError):
                self.stats["idle_timeouts"] += 1
                log.info("closing idle connection %s", connection.peer)
                return
            except ConnectionError:
                return
            if not data:
                return
            self.stats["bytes"] += len(data)
            try:
                frames, overflow = framer.feed(data), None
            except StreamOverflow as exc:
                frames, overflow = exc.frames, exc
            for raw in frames:
                await self._frame(raw, reassembler, connection)
            if overflow is not None:
                self.stats["overflow_cutoffs"] += 1
                log.warning("cutting off %s: %s", connection.peer, overflow.message)
                return

    async def _frame(self, raw: bytes, reassembler: Reassembler, connection: _Connection) -> None:
        self.stats["frames"] += 1
        try:
            whole = reassembler.add(parse_packet(raw))
        except PacketRefused as exc:
            self.stats[f"refused:{exc.reason.value}"] += 1
            reply = reply_for_refusal(raw, exc)
            if reply:
                await connection.replies.put((None, reply))
            return
        if whole is None or whole.cn in ANSWER_COMMANDS:
            return
        assert self._pending is not None
        await self._pending.acquire()
        await connection.in_flight.acquire()
        future = self.writer.submit(to_record(whole))
        future.add_done_callback(lambda _: self._release(connection))
        await connection.replies.put((whole, future))

    def _release(self, connection: _Connection) -> None:
        assert self._pending is not None
        self._pending.release()
        connection.in_flight.release()

    async def _reply_loop(self, connection: _Connection) -> None:
        """Write replies in packet order; ends at the ``(None, b"")`` marker."""
        while True:
            packet, pending = await connection.replies.get()
            if packet is None and pending == b"":
                return
            if isinstance(pending, bytes):
                reply = pending
            else:
                result = await pending
                self.stats[result.outcome.value if result.ok else f"refused:{result.reason}"] += 1
                reply = reply_for_result(packet, result) if packet is not None else b""
            if reply and not connection.writer.is_closing():
                connection.writer.write(reply)
                with contextlib.suppress(ConnectionError):
                    await connection.writer.drain()


async def serve(sessions: sessionmaker[Session], settings: ReceiverSettings, stop: asyncio.Event) -> Receiver:
    """Run a receiver until ``stop`` is set; returns it (with its stats) after a clean shutdown."""
    receiver = Receiver(sessions, settings)
    await receiver.start()
    try:
        await stop.wait()
    finally:
        await receiver.close()
    return receiver
