"""The HJ 212 checksum (Appendix A of the standard).

The algorithm XORs each byte into ``crc >> 8`` rather than into the low byte as
CRC-16/MODBUS does, so the running value entering each step is only eight bits
wide: the state after a byte is ``TABLE[(previous >> 8) ^ byte]``. Both the table
and its high bytes are one-to-one, which is why any change to a single byte
changes the checksum, while two neighbouring changed bytes can cancel out.
"""

from __future__ import annotations


def _step(index: int) -> int:
    """Run the standard's eight shift-and-XOR rounds on one 8-bit value."""
    crc = index
    for _ in range(8):
        lsb = crc & 1
        crc >>= 1
        if lsb:
            crc ^= 0xA001
    return crc


_TABLE: tuple[int, ...] = tuple(_step(index) for index in range(256))
_HIGH: tuple[int, ...] = tuple(value >> 8 for value in _TABLE)


def crc16(data: bytes) -> int:
    """Return the HJ 212 checksum of ``data`` (the data segment, nothing else)."""
    if not data:
        return 0xFFFF
    high = 0xFF
    table = _HIGH
    for byte in data[:-1]:
        high = table[high ^ byte]
    return _TABLE[high ^ data[-1]]


def crc_hex(data: bytes) -> str:
    """Return the checksum as the four upper-case hex digits a frame carries."""
    return f"{crc16(data):04X}"
