"""The HJ 212 frame: ``##`` + 4-digit length + data segment + 4 hex CRC + CR LF."""

from __future__ import annotations

from .crc import crc16, crc_hex
from .errors import PacketRefused, Reason

MAX_SEGMENT = 1024
"""Most bytes a data segment may have."""

MAX_FRAME = 2 + 4 + MAX_SEGMENT + 4 + 2
"""Most bytes a whole frame may have, CR LF included."""

START = b"##"
END = b"\r\n"
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_OVERHEAD = 2 + 4 + 4


def frame(segment: str, *, lowercase_crc: bool = False) -> str:
    """Wrap a data segment into a frame with its byte length, CRC and CR LF.

    :param lowercase_crc: write the CRC as some loggers do, to test receivers.
    """
    data = segment.encode()
    crc = crc_hex(data)
    return f"##{len(data):04d}{segment}{crc.lower() if lowercase_crc else crc}\r\n"


def unframe(raw: bytes) -> tuple[bytes, bool]:
    """Check a frame and return its data segment and whether the CRC was lower-case.

    The trailing CR LF may be missing (a frame read line by line).

    :raises PacketRefused: ``bad_frame``, ``too_long``, ``length_mismatch`` or ``crc_mismatch``.
    """
    body = raw[:-2] if raw.endswith(END) else raw
    if not body.startswith(START):
        raise PacketRefused(Reason.BAD_FRAME, f"frame does not start with '##': {raw[:12]!r}")
    if len(body) < _OVERHEAD:
        raise PacketRefused(Reason.BAD_FRAME, f"frame of {len(raw)} bytes is too short")
    declared = _declared_length(body[2:6])
    segment = body[6:-4]
    if len(segment) != declared:
        raise PacketRefused(
            Reason.LENGTH_MISMATCH,
            f"length field says {declared} bytes, data segment has {len(segment)}",
            declared=declared,
            actual=len(segment),
        )
    return segment, _check_crc(segment, body[-4:])


def _declared_length(digits: bytes) -> int:
    if not digits.isdigit():  # bytes.isdigit() is ASCII-only
        raise PacketRefused(Reason.BAD_FRAME, f"length field {digits!r} is not 4 digits")
    declared = int(digits)
    if declared > MAX_SEGMENT:
        raise PacketRefused(
            Reason.TOO_LONG,
            f"data segment of {declared} bytes exceeds {MAX_SEGMENT}",
            declared=declared,
        )
    return declared


def _check_crc(segment: bytes, received: bytes) -> bool:
    """Compare the CRC; return True when it was written in lower case (accepted quirk)."""
    if received.strip(_HEX_DIGITS):
        raise PacketRefused(Reason.BAD_FRAME, f"CRC field {received!r} is not 4 hex digits")
    expected = crc16(segment)
    if int(received, 16) != expected:
        actual = received.decode("ascii")
        raise PacketRefused(
            Reason.CRC_MISMATCH,
            f"CRC {actual} does not match the data segment, which gives {expected:04X}",
            expected=f"{expected:04X}",
            actual=actual,
        )
    return received != received.upper()
