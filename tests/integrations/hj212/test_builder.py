from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from integrations.hj212.builder import (
    build_data_answer,
    build_execution_result,
    build_packet,
    build_request_answer,
)
from integrations.hj212.codes import ExeRtn, QnRtn
from integrations.hj212.crc import crc_hex
from integrations.hj212.errors import PacketRefused, Reason
from integrations.hj212.packet import FactorValues
from integrations.hj212.parser import parse_packet
from integrations.hj212.times import CHINA_TIME, make_qn

from .strategies import STANDARD_EXAMPLE, packet_arguments

MN = "010000A8900016F000169DC0"
MOMENT = datetime(2024, 3, 15, 10, 30, tzinfo=CHINA_TIME)


def test_builds_the_standard_example() -> None:
    built = build_packet(
        qn="20160801085857223",
        st="32",
        cn="1062",
        pw="100000",
        mn=MN,
        flag=5,
        fields={"RtdInterval": 30},
    )
    assert built == STANDARD_EXAMPLE


def test_length_and_crc_cover_chinese_text() -> None:
    built = build_packet(
        st="32", cn="2011", pw="1", mn=MN, data_time=MOMENT, values={"w01018": {"Info": "维护中"}}
    )
    segment = built[6:-6].encode()
    assert int(built[2:6]) == len(segment) == len(built[6:-6]) + 6
    assert built[-6:-2] == crc_hex(segment)
    assert parse_packet(built).values["w01018"].info == "维护中"


def test_factor_values_objects_and_times_are_written() -> None:
    built = build_packet(
        st="31",
        cn="2061",
        pw="1",
        mn=MN,
        qn=make_qn(MOMENT),
        data_time=MOMENT,
        values={"a21026": FactorValues(avg=12.5, max=20, flag="N")},
    )
    assert "QN=20240315103000000;" in built
    assert "CP=&&DataTime=20240315103000;a21026-Avg=12.5,a21026-Max=20,a21026-Flag=N&&" in built


def test_times_in_other_zones_are_written_in_china_time() -> None:
    utc = datetime.fromisoformat("2024-03-15T02:30:00+00:00")
    built = build_packet(st="31", cn="2011", pw="1", mn=MN, data_time=utc)
    assert "DataTime=20240315103000" in built


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"pw": "a;b"}, "PW"),
        ({"fields": {"Info": "x,y"}}, "Info"),
        ({"fields": {"A=B": "1"}}, "A=B"),
        ({"values": {"w01018": {"Rtd": 1, "Foo": 2}}}, "w01018-Foo"),
        ({"values": {"w01018": {}}}, "w01018"),
        ({"values": {"w&01018": {"Rtd": 1}}}, "w&01018-Rtd"),
        ({"fields": {f"F{n}": "x" * 60 for n in range(16)}}, "data area"),
    ],
)
def test_refuses_what_would_break_the_frame(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_packet(**{"st": "32", "cn": "1062", "pw": "1", "mn": MN, **arguments})


def test_refuses_a_segment_over_1024_bytes() -> None:
    with pytest.raises(ValueError, match="1024"):
        build_packet(st="32", cn="1062", pw="1", mn=MN, fields={"Info": "废" * 320})


class TestReplies:
    request = parse_packet(STANDARD_EXAMPLE)

    def test_request_answer(self) -> None:
        reply = parse_packet(build_request_answer(self.request, QnRtn.READY))
        assert reply.qn == "20160801085857223"
        assert (reply.st, reply.cn, reply.mn, reply.pw) == ("91", "9011", MN, "100000")
        assert reply.flag == 4 and not reply.reply_wanted
        assert reply.fields == {"QnRtn": "1"}

    def test_execution_result(self) -> None:
        reply = parse_packet(build_execution_result(self.request, ExeRtn.NO_DATA))
        assert (reply.cn, reply.fields) == ("9012", {"ExeRtn": "100"})

    def test_data_answer(self) -> None:
        qn = "20240315103000123"
        built = build_packet(
            st="32", cn="2011", pw="1", mn=MN, qn=qn, data_time=MOMENT, flag=7, pnum=2, pno=1
        )
        reply = parse_packet(build_data_answer(parse_packet(built)))
        assert (reply.qn, reply.cn, reply.flag, reply.fields) == (qn, "9014", 4, {})
        assert not reply.is_split

    def test_answer_to_2005_packet_has_no_flag(self) -> None:
        built = build_packet(st="32", cn="2011", pw="1", mn="8888888", flag=None, data_time=MOMENT)
        reply = parse_packet(build_data_answer(parse_packet(built)))
        assert reply.flag is None and reply.qn is None


@settings(max_examples=150)
@given(packet_arguments())
def test_round_trip(arguments: dict[str, Any]) -> None:
    packet = parse_packet(build_packet(**arguments))
    assert (packet.st, packet.cn, packet.pw, packet.mn, packet.qn, packet.flag) == tuple(
        arguments[key] for key in ("st", "cn", "pw", "mn", "qn", "flag")
    )
    assert packet.data_time == arguments["data_time"]
    assert packet.values == {
        code: FactorValues.from_suffixes(values) for code, values in arguments["values"].items()
    }
    assert packet.fields == arguments["fields"]
    assert packet.nonstandard == (("qn:missing",) if arguments["qn"] is None else ()) + (
        ("flag:missing",) if arguments["flag"] is None else ()
    )


@settings(max_examples=300)
@given(packet_arguments(), st.data())
def test_any_single_character_corruption_is_refused(
    arguments: dict[str, Any], data: st.DataObject
) -> None:
    """Replace one character of a valid ASCII packet by any other character.

    One exception is excluded on purpose: changing the case of a hex letter in
    the CRC (``1c80`` for ``1C80``), which gives the same value and is the
    lower-case-CRC quirk the parser accepts. Everything else must be refused:
    a changed ``##``, length digit or CR LF breaks the frame or its length, a
    non-ASCII character changes the byte length, and any other change of one
    byte in the data segment changes the CRC (see test_crc). Packets with
    multi-byte characters are not covered: there a same-length substitution
    changes several bytes, which the CRC can miss.
    """
    packet = build_packet(**arguments)
    position = data.draw(st.integers(0, len(packet) - 1), label="position")
    new = data.draw(st.characters(exclude_categories=["Cs"]), label="character")
    old = packet[position]
    assume(new != old)
    in_crc = len(packet) - 6 <= position < len(packet) - 2
    assume(not (in_crc and new.lower() == old.lower()))
    corrupted = packet[:position] + new + packet[position + 1 :]
    with pytest.raises(PacketRefused) as caught:
        parse_packet(corrupted)
    framing = {Reason.BAD_FRAME, Reason.LENGTH_MISMATCH, Reason.TOO_LONG, Reason.CRC_MISMATCH}
    assert caught.value.reason in framing


@pytest.mark.parametrize("crc", ["1c80", "1C80", "1c80".upper(), "1C80".lower()])
def test_changing_the_case_of_crc_letters_is_accepted(crc: str) -> None:
    packet = parse_packet(STANDARD_EXAMPLE.replace("1C80", crc))
    assert replace(packet, nonstandard=()) == parse_packet(STANDARD_EXAMPLE)


def test_make_qn_has_milliseconds() -> None:
    assert make_qn(MOMENT.replace(microsecond=123999)) == "20240315103000123"
