from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from integrations.hj212.builder import build_packet
from integrations.hj212.errors import PacketRefused, Reason
from integrations.hj212.packet import FactorValues, Packet
from integrations.hj212.parser import parse_packet
from integrations.hj212.reassembly import Reassembler, combine_parts
from integrations.hj212.times import CHINA_TIME

MN = "010000A8900016F000169DC0"
MOMENT = datetime(2024, 3, 15, 10, 0, tzinfo=CHINA_TIME)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def part(pno: int, pnum: int = 3, qn: str = "20240315100000001", **arguments: Any) -> Packet:
    """Part ``pno`` of an hourly upload; by default it carries factor w0101<pno>."""
    arguments = {
        "values": {f"w0101{pno}": {"Avg": float(pno), "Flag": "N"}},
        "data_time": MOMENT,
        **arguments,
    }
    split = build_packet(
        st="32", cn="2061", pw="1", mn=MN, qn=qn, flag=7, pnum=pnum, pno=pno, **arguments
    )
    return parse_packet(split)


def test_parts_in_any_order_make_one_packet() -> None:
    reassembler = Reassembler()
    assert reassembler.add(part(2)) is None
    assert reassembler.add(part(3)) is None
    assert reassembler.pending == 1
    whole = reassembler.add(part(1))
    assert whole is not None and reassembler.pending == 0
    assert list(whole.values) == ["w01011", "w01012", "w01013"]
    assert whole.values["w01012"] == FactorValues(avg=2.0, flag="N")
    assert (whole.pnum, whole.pno, whole.is_split) == (None, None, False)
    assert whole.flag == 5 and whole.reply_wanted
    assert (whole.qn, whole.cn, whole.data_time) == ("20240315100000001", "2061", MOMENT)


def test_unsplit_packet_passes_through() -> None:
    packet = parse_packet(build_packet(st="32", cn="2061", pw="1", mn=MN, data_time=MOMENT))
    reassembler = Reassembler()
    assert reassembler.add(packet) is packet
    assert reassembler.pending == 0


def test_groups_are_kept_apart_by_qn() -> None:
    reassembler = Reassembler()
    assert reassembler.add(part(1, pnum=2, qn="20240315100000001")) is None
    assert reassembler.add(part(2, pnum=2, qn="20240315100000002")) is None
    assert reassembler.pending == 2


def test_repeated_part_replaces_the_earlier_copy() -> None:
    reassembler = Reassembler()
    reassembler.add(part(1, pnum=2))
    reassembler.add(part(1, pnum=2, values={"w01011": {"Avg": 9.0}}))
    whole = reassembler.add(part(2, pnum=2))
    assert whole is not None
    assert whole.values["w01011"] == FactorValues(avg=9.0)


def test_oldest_group_is_dropped_beyond_max_groups() -> None:
    reassembler = Reassembler(max_groups=2)
    for qn in ("20240315100000001", "20240315100000002", "20240315100000003"):
        reassembler.add(part(1, pnum=2, qn=qn))
    assert reassembler.pending == 2
    assert reassembler.add(part(2, pnum=2, qn="20240315100000001")) is None  # its part 1 is gone
    assert reassembler.add(part(2, pnum=2, qn="20240315100000003")) is not None


def test_groups_expire() -> None:
    clock = Clock()
    reassembler = Reassembler(max_age=60, clock=clock)
    reassembler.add(part(1, pnum=2, qn="20240315100000001"))
    clock.now += 30
    reassembler.add(part(1, pnum=2, qn="20240315100000002"))
    clock.now += 31
    assert reassembler.add(part(2, pnum=2, qn="20240315100000001")) is None  # expired, restarted
    assert reassembler.add(part(2, pnum=2, qn="20240315100000002")) is not None
    assert reassembler.pending == 1


def test_parts_disagreeing_on_pnum_drop_the_group() -> None:
    reassembler = Reassembler()
    reassembler.add(part(1, pnum=3))
    with pytest.raises(PacketRefused) as caught:
        reassembler.add(part(2, pnum=2))
    assert caught.value.reason is Reason.BAD_SPLIT
    assert reassembler.pending == 0


def test_too_many_parts_are_refused() -> None:
    reassembler = Reassembler(max_parts=4)
    with pytest.raises(PacketRefused) as caught:
        reassembler.add(part(1, pnum=5))
    assert caught.value.reason is Reason.BAD_SPLIT
    assert "PNUM=5" in caught.value.detail
    assert reassembler.pending == 0


def test_same_value_in_two_parts_is_refused() -> None:
    same = {"w01018": {"Avg": 1.0}}
    with pytest.raises(PacketRefused) as caught:
        combine_parts([part(1, pnum=2, values=same), part(2, pnum=2, values=same)])
    assert caught.value.reason is Reason.BAD_SPLIT
    assert "w01018" in caught.value.detail and "Avg" in caught.value.detail


def test_fields_of_one_factor_may_come_in_different_parts() -> None:
    first = part(1, pnum=2, values={"w01018": {"Avg": 1.0}})
    second = part(2, pnum=2, values={"w01018": {"Flag": "N"}})
    whole = combine_parts([first, second])
    assert whole.values == {"w01018": FactorValues(avg=1.0, flag="N")}


def test_parts_with_different_data_times_are_refused() -> None:
    later = part(2, pnum=2, data_time=MOMENT.replace(hour=11))
    with pytest.raises(PacketRefused) as caught:
        combine_parts([part(1, pnum=2), later])
    assert "DataTime" in caught.value.detail
    assert caught.value.reason is Reason.BAD_SPLIT
