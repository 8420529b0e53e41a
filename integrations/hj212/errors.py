"""Why a packet or a connection was refused, in a form a machine can act on.

A receiver replies, counts and logs by ``reason`` (a short stable code) and shows
``detail`` (one sentence naming what is wrong) to a person.
"""

from __future__ import annotations

from enum import StrEnum

from engine.errors import EcoLoopError


class Reason(StrEnum):
    """Stable codes for refused packets; never rename a value, receivers store them."""

    BAD_FRAME = "bad_frame"
    LENGTH_MISMATCH = "length_mismatch"
    TOO_LONG = "too_long"
    CRC_MISMATCH = "crc_mismatch"
    BAD_ENCODING = "bad_encoding"
    MISSING_FIELD = "missing_field"
    BAD_FIELD = "bad_field"
    BAD_DATATIME = "bad_datatime"
    BAD_SPLIT = "bad_split"


class PacketRefused(EcoLoopError):
    """A packet that is not accepted as valid data.

    :param reason: the machine-readable code.
    :param detail: what is wrong, for a person.
    :param extra: values that locate the fault, such as ``expected`` and ``actual``
        for a CRC mismatch or ``field`` for a bad field.
    """

    def __init__(self, reason: Reason, detail: str, **extra: object) -> None:
        super().__init__(f"{reason.value}: {detail}", details={"reason": reason.value, **extra})
        self.reason = reason
        self.detail = detail
        self.extra = extra


class StreamOverflow(EcoLoopError):
    """A connection sent more bytes than allowed without a frame; cut it off.

    ``frames`` holds the frames completed in the same read before the limit was
    passed, so that the receiver can still handle them.
    """

    def __init__(self, garbage: int, limit: int, frames: list[bytes]) -> None:
        super().__init__(
            f"{garbage} bytes without a complete HJ 212 frame (limit {limit})",
            details={"garbage": garbage, "limit": limit},
        )
        self.frames = frames
