"""Cut the byte stream of one TCP connection into HJ 212 frames.

Reads split and join packets at random; the framer keeps what has not formed a
frame yet. A frame starts at ``##`` and ends after the next CR LF, or just
before the next ``##`` when a sender leaves out CR LF. The framer does not check
the frame itself: :func:`~.parser.parse_packet` does, and says what is wrong.
"""

from __future__ import annotations

import logging

from .errors import StreamOverflow
from .frame import END, MAX_FRAME, START

logger = logging.getLogger(__name__)

DEFAULT_MAX_GARBAGE = 8192


class StreamFramer:
    """Feed it bytes as they arrive; get the complete frames back.

    Bytes that cannot belong to a frame (before a ``##``, or a frame start with
    no end within :data:`~.frame.MAX_FRAME` bytes) are dropped and counted. When
    more than ``max_garbage`` such bytes arrive without a frame in between,
    :meth:`feed` raises :class:`~.errors.StreamOverflow`: cut the client off.
    The buffer never holds more than one read plus :data:`~.frame.MAX_FRAME` bytes.
    """

    def __init__(self, *, max_garbage: int = DEFAULT_MAX_GARBAGE) -> None:
        self.max_garbage = max_garbage
        self._buffer = bytearray()
        self._garbage = 0

    @property
    def buffered(self) -> int:
        """Bytes kept for a frame not yet complete."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """Add the bytes of one read and return the frames they complete, in order.

        :raises StreamOverflow: too many bytes without a frame; carries the frames
            completed in this read.
        """
        self._buffer += data
        frames: list[bytes] = []
        while (found := self._next_frame()) is not None:
            frames.append(found)
        if self._garbage > self.max_garbage:
            raise StreamOverflow(self._garbage, self.max_garbage, frames)
        return frames

    def _next_frame(self) -> bytes | None:
        if not self._align():
            return None
        end = self._frame_end()
        if end is None:
            if len(self._buffer) > MAX_FRAME:
                logger.warning("frame start without an end in %d bytes dropped", MAX_FRAME)
                self._drop_all()
            return None
        found = bytes(self._buffer[:end])
        del self._buffer[:end]
        self._garbage = 0
        return found

    def _align(self) -> bool:
        """Drop the bytes before the next ``##``; return whether the buffer starts with one."""
        start = self._buffer.find(START)
        if start < 0:
            self._drop_all()
            return False
        while self._buffer[start + 2 : start + 3] == b"#":  # '###0101…' starts at the last pair
            start += 1
        self._discard(start)
        return True

    def _frame_end(self) -> int | None:
        crlf = self._buffer.find(END, 2)
        following = self._buffer.find(START, 2)
        if crlf >= 0 and (following < 0 or crlf < following):
            return crlf + len(END)
        return following if following >= 0 else None

    def _drop_all(self) -> None:
        """Drop the buffer but a last ``#``, which may be the first half of ``##``."""
        self._discard(len(self._buffer) - self._buffer.endswith(b"#"))

    def _discard(self, count: int) -> None:
        del self._buffer[:count]
        self._garbage += count
