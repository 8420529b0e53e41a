from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from integrations.hj212.crc import _HIGH, _TABLE, crc16, crc_hex
from integrations.hj212.frame import MAX_SEGMENT


def appendix_a(data: bytes) -> int:
    """The bit-by-bit algorithm exactly as HJ 212-2017 Appendix A prints it."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ byte
        for _ in range(8):
            lsb = crc & 1
            crc >>= 1
            if lsb:
                crc ^= 0xA001
    return crc


def modbus(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


EXAMPLE_SEGMENT = (
    b"QN=20160801085857223;ST=32;CN=1062;PW=100000;"
    b"MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)


def test_standard_example_gives_1c80() -> None:
    assert crc16(EXAMPLE_SEGMENT) == 0x1C80
    assert crc_hex(EXAMPLE_SEGMENT) == "1C80"


def test_is_not_modbus() -> None:
    assert modbus(EXAMPLE_SEGMENT) != 0x1C80


def test_empty_data_keeps_the_initial_value() -> None:
    assert crc16(b"") == 0xFFFF == appendix_a(b"")


def test_hex_has_four_upper_case_digits() -> None:
    assert crc_hex(b"") == "FFFF"
    assert len(crc_hex(b"A")) == 4
    assert crc_hex(b"A") == f"{appendix_a(b'A'):04X}"


@given(st.binary(max_size=300))
def test_table_agrees_with_appendix_a(data: bytes) -> None:
    assert crc16(data) == appendix_a(data)


@given(st.binary(min_size=MAX_SEGMENT - 80, max_size=MAX_SEGMENT))
def test_fold_agrees_with_appendix_a_on_the_longest_segments(data: bytes) -> None:
    assert crc16(data) == appendix_a(data)


@given(st.integers(0, 2**64 - 1), st.integers(1, 9000))
def test_fold_agrees_with_appendix_a_at_every_length(seed: int, length: int) -> None:
    """Lengths past the precomputed masks (4 KiB) too; the bytes come from a seeded generator."""
    data = random.Random(seed).randbytes(length)
    assert crc16(data) == appendix_a(data)


def test_high_byte_map_repeats_every_eight_steps() -> None:
    """What the fold relies on: H applied eight times is the identity, and no fewer times."""
    value = list(range(256))
    for times in range(1, 9):
        value = [_HIGH[v] for v in value]
        assert (value == list(range(256))) == (times == 8)


def test_single_byte_changes_are_always_detected() -> None:
    """The proof behind the next test: each step maps a changed index to a changed
    high byte, which changes the next index, up to a changed final table entry."""
    assert len(set(_HIGH)) == 256
    assert len(set(_TABLE)) == 256


@given(st.binary(min_size=1, max_size=200), st.data())
def test_any_single_byte_change_changes_the_crc(data: bytes, draw: st.DataObject) -> None:
    position = draw.draw(st.integers(0, len(data) - 1))
    new = draw.draw(st.integers(0, 255).filter(lambda byte: byte != data[position]))
    changed = data[:position] + bytes([new]) + data[position + 1 :]
    assert crc16(changed) != crc16(data)


def test_two_changed_bytes_can_cancel_out() -> None:
    """Why the corruption property is stated for ASCII packets only.

    A Chinese character is three UTF-8 bytes; swapping it for another changes
    two or three neighbouring bytes, which this CRC does not always notice.
    """
    original = "Info=中文&&".encode()
    swapped = "Info=ၾ文&&".encode()
    assert len(original) == len(swapped)
    assert original != swapped
    assert crc16(original) == crc16(swapped)
