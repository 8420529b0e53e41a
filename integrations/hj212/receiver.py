"""``ecoloop receive``: the asyncio TCP server that data loggers send HJ 212 packets to.

Each connection is an :class:`asyncio.Protocol` (no task per connection or per
packet): a :class:`~.stream.StreamFramer` (bounded buffer; a client that
streams bytes without frames is cut off), a :class:`~.reassembly.Reassembler`
for split packets, and an idle timeout. Packets are parsed as they arrive and
handed to the :class:`~.writer.BatchWriter` thread, which calls back once per
record when it is stored. A connection stops being read (TCP pushes back on the
sender) while it has ``max_in_flight`` packets waiting, while its replies are
not being read, or while ``max_pending`` packets wait in total. Replies go out
in packet order once the record is stored (9014), or say why not (9011
``QnRtn``), when the packet's Flag asks for one; the replies of a connection
that became ready together leave in one write.

One receiver uses about one core; ``ecoloop receive --workers N`` runs several
(:mod:`.workers`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from engine.config import section_values
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

BACKLOG = 4096
"""Connections the kernel may queue before they are accepted (thousands of loggers reconnect at once)."""


@dataclass(frozen=True)
class ReceiverSettings:
    host: str = "0.0.0.0"
    port: int = 6212
    idle_timeout: float = 300.0
    max_garbage: int = 8192
    max_connections: int = 20_000
    max_pending: int = 20_000
    max_in_flight: int = 512
    batch_size: int = 1000
    batch_wait: float = 0.05
    registry_ttl: float = 60.0

    @classmethod
    def from_raw(cls, raw: Mapping[str, str], **overrides: object) -> ReceiverSettings:
        """Read ``HJ212_IDLE_TIMEOUT`` etc. from :attr:`engine.config.Settings.raw`; ``overrides`` win.

        :raises ConfigError: naming a variable whose value is not a positive number.
        """
        values = section_values(cls.__dataclass_fields__, raw, "HJ212")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


FULL_COLLECTION_EVERY = 1000
"""Second-generation collections between two full garbage collections in a receiver process (Python's default: 10)."""


def collect_garbage_less_often() -> None:
    """Make full garbage collections rare in a receiver process (call once, at its start).

    A full collection walks every object: the registry of thousands of points and
    the recent records kept for the rules, millions of objects. At Python's default
    (one per 100 young collections, which parsing triggers all the time) they took a
    third of a receiver's CPU in the ingest benchmark. One per 10,000 young
    collections (about a minute at full load) still frees cyclic garbage.
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


class _Reply:
    """One packet's place in its connection's reply order; ``data`` is None until its record is stored."""

    __slots__ = ("packet", "data")

    def __init__(self, packet: Packet | None, data: bytes | None) -> None:
        self.packet = packet
        self.data = data


class _Connection(asyncio.Protocol):
    """One logger's connection: bytes in, records to the writer, replies out in packet order."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.framer = StreamFramer(max_garbage=receiver.settings.max_garbage)
        self.reassembler = Reassembler()
        self.replies: deque[_Reply] = deque()
        self.in_flight = 0
        self.peer = ""
        self.transport: asyncio.Transport | None = None
        self.last_read = 0.0
        self.paused = False  # reading paused by the limits
        self.write_blocked = False  # the peer does not read its replies
        self.finishing = False  # no more reading; close once the replies due are out
        self._idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        receiver, self.transport = self.receiver, transport
        self.peer = str(transport.get_extra_info("peername"))
        if len(receiver.connections) >= receiver.settings.max_connections:
            receiver.stats["refused_connections"] += 1
            self.finishing = True
            transport.close()
            return
        receiver.connections.add(self)
        receiver.stats["connections"] += 1
        self.last_read = receiver.loop.time()
        self._idle = receiver.loop.call_later(receiver.settings.idle_timeout, self._check_idle)

    def data_received(self, data: bytes) -> None:
        receiver = self.receiver
        if self.finishing:
            return
        self.last_read = receiver.loop.time()
        receiver.stats["bytes"] += len(data)
        try:
            frames, overflow = self.framer.feed(data), None
        except StreamOverflow as exc:
            frames, overflow = exc.frames, exc
        for raw in frames:
            self._frame(raw)
        if overflow is not None:
            receiver.stats["overflow_cutoffs"] += 1
            log.warning("cutting off %s: %s", self.peer, overflow.message)
            self.finish()
            return
        self.flush()
        receiver.throttle(self)

    def eof_received(self) -> bool:
        self.finish()
        return True  # keep the sending half open for the replies still due

    def connection_lost(self, exc: Exception | None) -> None:
        self.finishing = True
        if self._idle is not None:
            self._idle.cancel()
        self.receiver.connections.discard(self)
        self.receiver.paused.discard(self)

    def pause_writing(self) -> None:
        self.write_blocked = True
        self.receiver.throttle(self)

    def resume_writing(self) -> None:
        self.write_blocked = False
        self.receiver.resume()

    def _frame(self, raw: bytes) -> None:
        receiver = self.receiver
        receiver.stats["frames"] += 1
        try:
            whole = self.reassembler.add(parse_packet(raw))
        except PacketRefused as exc:
            receiver.stats[f"refused:{exc.reason.value}"] += 1
            reply = reply_for_refusal(raw, exc)
            if reply:
                self.replies.append(_Reply(None, reply))
            return
        if whole is None or whole.cn in ANSWER_COMMANDS:
            return
        entry = _Reply(whole, None)
        self.replies.append(entry)
        self.in_flight += 1
        receiver.pending += 1
        receiver.writer.submit(to_record(whole), partial(self._stored, entry))

    def _stored(self, entry: _Reply, result: PacketResult) -> None:
        """The writer's answer for one record (on the event loop); the reply leaves with its neighbours."""
        receiver = self.receiver
        receiver.stats[result.outcome.value if result.ok else f"refused:{result.reason}"] += 1
        assert entry.packet is not None
        entry.data = reply_for_result(entry.packet, result)
        self.in_flight -= 1
        receiver.pending -= 1
        receiver.answered(self)

    def flush(self) -> None:
        """Write the replies that are ready in order (one write); close when finishing and none is due."""
        ready: list[bytes] = []
        replies = self.replies
        while replies and (data := replies[0].data) is not None:
            replies.popleft()
            ready.append(data)
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if ready:
            transport.write(b"".join(ready))
        if self.finishing and not replies:
            transport.close()

    def finish(self) -> None:
        """Read no more; the connection closes once the replies still due are out."""
        self.finishing = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()
        self.flush()

    def _check_idle(self) -> None:
        """Runs ``idle_timeout`` after the last read: close a silent connection, or give up waiting for replies."""
        settings, loop = self.receiver.settings, self.receiver.loop
        if self.finishing:  # the logger is done, and its replies are still due a whole idle period later
            if self.transport is not None:
                self.transport.close()
            return
        quiet = loop.time() - self.last_read
        if quiet >= settings.idle_timeout and not self.paused:
            self.receiver.stats["idle_timeouts"] += 1
            log.info("closing idle connection %s", self.peer)
            self.finish()
            self._idle = loop.call_later(settings.idle_timeout, self._check_idle)  # if replies keep it open
            return
        # Read from recently, or not read because of the limits (not the logger's silence): look again later.
        wait = settings.idle_timeout - quiet if quiet < settings.idle_timeout else settings.idle_timeout
        self._idle = loop.call_later(wait, self._check_idle)


class Receiver:
    """The server; ``stats`` counts frames, outcomes and refusals by reason."""

    def __init__(self, sessions: sessionmaker[Session], settings: ReceiverSettings | None = None,
                 ingestor: Ingestor | None = None) -> None:
        self.settings = settings or ReceiverSettings()
        self.ingestor = ingestor or Ingestor(PointDirectory(ttl=self.settings.registry_ttl))
        self.writer = BatchWriter(sessions, self.ingestor, batch_size=self.settings.batch_size,
                                  batch_wait=self.settings.batch_wait)
        self.stats: Counter[str] = Counter()
        self.connections: set[_Connection] = set()
        self.paused: set[_Connection] = set()
        self.pending = 0
        self._answered: set[_Connection] = set()
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "start() the receiver first"
        return self._loop

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, sock: socket.socket | None = None) -> None:
        """Listen on ``settings.host:port``, or accept on ``sock`` (a socket shared by several workers)."""
        self._loop = asyncio.get_running_loop()
        self.writer.start(self._loop)
        factory = partial(_Connection, self)
        if sock is None:
            self._server = await self._loop.create_server(factory, self.settings.host, self.settings.port,
                                                          backlog=BACKLOG)
        else:
            self._server = await self._loop.create_server(factory, sock=sock, backlog=BACKLOG)
        log.info("HJ 212 receiver listening on %s:%d", self.settings.host, self.port)

    async def close(self) -> None:
        """Stop accepting and reading, store what was received, send the replies due, close."""
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            connection.finish()
        await self.loop.run_in_executor(None, self.writer.stop)
        await asyncio.sleep(0)  # the writer's last answers are delivered before this resumes; let them flush
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.close()
        if self._server is not None:
            await self._server.wait_closed()
        log.info("HJ 212 receiver stopped: %s", dict(self.stats))

    def throttle(self, connection: _Connection) -> None:
        """Stop reading a connection that has too much waiting, or all reading when too much waits in total."""
        settings = self.settings
        if connection.paused or connection.finishing:
            return
        if (connection.in_flight >= settings.max_in_flight or connection.write_blocked
                or self.pending >= settings.max_pending):
            connection.paused = True
            self.paused.add(connection)
            if connection.transport is not None:
                connection.transport.pause_reading()

    def answered(self, connection: _Connection) -> None:
        """Called per stored record; the connections' replies are written once the writer's batch is handed out."""
        if not self._answered:
            self.loop.call_soon(self._flush_answered)
        self._answered.add(connection)

    def _flush_answered(self) -> None:
        answered, self._answered = self._answered, set()
        for connection in answered:
            connection.flush()
        self.resume()

    def resume(self) -> None:
        """Read again from the paused connections that are under every limit."""
        settings = self.settings
        if self.pending >= settings.max_pending:
            return
        for connection in list(self.paused):
            if connection.in_flight < settings.max_in_flight and not connection.write_blocked:
                self.paused.discard(connection)
                connection.paused = False
                if not connection.finishing and connection.transport is not None:
                    connection.transport.resume_reading()


async def serve(sessions: sessionmaker[Session], settings: ReceiverSettings, stop: asyncio.Event) -> Receiver:
    """Run a receiver until ``stop`` is set; returns it (with its stats) after a clean shutdown."""
    receiver = Receiver(sessions, settings)
    await receiver.start()
    try:
        await stop.wait()
    finally:
        await receiver.close()
    return receiver
