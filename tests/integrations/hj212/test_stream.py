from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.hj212.builder import build_packet
from integrations.hj212.errors import StreamOverflow
from integrations.hj212.frame import MAX_FRAME
from integrations.hj212.parser import parse_packet
from integrations.hj212.stream import StreamFramer
from integrations.hj212.times import CHINA_TIME

from .strategies import STANDARD_EXAMPLE

MOMENT = datetime(2024, 3, 15, 10, 0, tzinfo=CHINA_TIME)


def upload(number: int) -> bytes:
    values: dict[str, dict[str, float | str]] = {"w01018": {"Rtd": float(number), "Info": "在线"}}
    mn = f"MN{number}"
    return build_packet(st="32", cn="2011", pw="1", mn=mn, data_time=MOMENT, values=values).encode()


def feed_all(framer: StreamFramer, chunks: list[bytes]) -> list[bytes]:
    return [found for chunk in chunks for found in framer.feed(chunk)]


@settings(max_examples=60)
@given(
    st.lists(st.integers(0, 999), min_size=1, max_size=6),
    st.lists(
        st.binary(max_size=20).map(lambda gap: gap.replace(b"#", b"")),
        min_size=7,
        max_size=7,
    ),
    st.data(),
)
def test_frames_survive_any_chunking(
    numbers: list[int], junk: list[bytes], data: st.DataObject
) -> None:
    """Packets with junk (no '#') between them, cut into reads at random places."""
    packets = [upload(number) for number in numbers]
    stream = junk[0] + b"".join(packet + gap for packet, gap in zip(packets, junk[1:]))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12), label="cuts"))
    chunks = [stream[start:end] for start, end in zip([0, *cuts], [*cuts, len(stream)])]
    framer = StreamFramer()
    assert feed_all(framer, chunks) == packets
    assert framer.buffered <= 1  # at most a trailing '#'


def test_packets_joined_in_one_read() -> None:
    both = STANDARD_EXAMPLE.encode() + upload(1)
    assert StreamFramer().feed(both) == [STANDARD_EXAMPLE.encode(), upload(1)]


def test_frame_without_crlf_ends_at_the_next_start() -> None:
    first = STANDARD_EXAMPLE.encode().rstrip(b"\r\n")
    framer = StreamFramer()
    assert framer.feed(first) == []
    assert framer.feed(upload(1)) == [first, upload(1)]
    assert parse_packet(first).cn == "1062"


def test_extra_hash_before_a_frame_is_dropped() -> None:
    assert StreamFramer().feed(b"#" + STANDARD_EXAMPLE.encode()) == [STANDARD_EXAMPLE.encode()]


def test_broken_frame_is_still_delivered_for_the_parser_to_refuse() -> None:
    broken = STANDARD_EXAMPLE.encode().replace(b"##0101", b"##0100")
    assert StreamFramer().feed(broken + upload(2)) == [broken, upload(2)]


def test_garbage_beyond_the_limit_overflows() -> None:
    framer = StreamFramer(max_garbage=100)
    assert framer.feed(b"x" * 100) == []
    with pytest.raises(StreamOverflow) as caught:
        framer.feed(STANDARD_EXAMPLE.encode() + b"y" * 101)
    assert caught.value.frames == [STANDARD_EXAMPLE.encode()]
    assert caught.value.details == {"garbage": 101, "limit": 100}
    assert framer.buffered == 0


def test_frames_reset_the_garbage_count() -> None:
    framer = StreamFramer(max_garbage=100)
    for _ in range(5):
        assert framer.feed(b"x" * 80 + STANDARD_EXAMPLE.encode()) == [STANDARD_EXAMPLE.encode()]


def test_default_limit_is_8_kib() -> None:
    framer = StreamFramer()
    framer.feed(b"\x00" * 8192)
    with pytest.raises(StreamOverflow):
        framer.feed(b"\x00")


def test_frame_start_without_end_does_not_grow_the_buffer() -> None:
    framer = StreamFramer(max_garbage=10 * MAX_FRAME)
    framer.feed(b"##0101")
    for _ in range(20):
        framer.feed(b"A" * 200)
        assert framer.buffered <= MAX_FRAME
    assert framer.feed(STANDARD_EXAMPLE.encode()) == [STANDARD_EXAMPLE.encode()]
