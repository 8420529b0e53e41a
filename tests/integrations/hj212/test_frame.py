from __future__ import annotations

import pytest

from integrations.hj212.errors import PacketRefused, Reason
from integrations.hj212.frame import MAX_SEGMENT, frame, unframe

from .strategies import STANDARD_EXAMPLE

SEGMENT = STANDARD_EXAMPLE[6:-6]


def test_frame_reproduces_the_standard_example() -> None:
    assert frame(SEGMENT) == STANDARD_EXAMPLE


def test_length_counts_utf8_bytes() -> None:
    framed = frame("ST=32;Info=废水&&")
    assert framed.startswith("##0019")  # 13 ASCII characters + 2 characters × 3 bytes


def test_unframe_returns_the_segment() -> None:
    assert unframe(STANDARD_EXAMPLE.encode()) == (SEGMENT.encode(), False)


def test_trailing_crlf_is_optional() -> None:
    assert unframe(STANDARD_EXAMPLE.rstrip("\r\n").encode()) == (SEGMENT.encode(), False)


def test_lower_case_crc_is_accepted_and_reported() -> None:
    lower = frame(SEGMENT, lowercase_crc=True)
    assert lower.endswith("1c80\r\n")
    assert unframe(lower.encode()) == (SEGMENT.encode(), True)


def refusal(raw: str | bytes) -> PacketRefused:
    with pytest.raises(PacketRefused) as caught:
        unframe(raw.encode() if isinstance(raw, str) else raw)
    return caught.value


@pytest.mark.parametrize(
    "raw",
    [
        STANDARD_EXAMPLE[1:],
        "#!" + STANDARD_EXAMPLE[2:],
        "##01",
        "##01a1" + STANDARD_EXAMPLE[6:],
        "##0101" + SEGMENT + "1C8G\r\n",
        "##0101" + SEGMENT + "0x1C\r\n",
    ],
    ids=["one-hash", "no-hash", "short", "length-letter", "crc-letter", "crc-0x"],
)
def test_bad_frame(raw: str) -> None:
    assert refusal(raw).reason is Reason.BAD_FRAME


def test_length_mismatch_names_both_lengths() -> None:
    error = refusal("##0100" + STANDARD_EXAMPLE[6:])
    assert error.reason is Reason.LENGTH_MISMATCH
    assert error.extra == {"declared": 100, "actual": 101}


def test_declared_length_over_1024_is_too_long() -> None:
    error = refusal(f"##{MAX_SEGMENT + 1:04d}" + STANDARD_EXAMPLE[6:])
    assert error.reason is Reason.TOO_LONG


def test_crc_mismatch_names_expected_and_actual() -> None:
    error = refusal(STANDARD_EXAMPLE.replace("1C80", "1c81"))
    assert error.reason is Reason.CRC_MISMATCH
    assert error.extra == {"expected": "1C80", "actual": "1c81"}
    assert "1C80" in error.detail


def test_changed_data_fails_the_crc() -> None:
    error = refusal(STANDARD_EXAMPLE.replace("RtdInterval=30", "RtdInterval=31"))
    assert error.reason is Reason.CRC_MISMATCH
