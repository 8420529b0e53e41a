from __future__ import annotations

from datetime import datetime

import pytest

from integrations.hj212 import data_area
from integrations.hj212.crc import crc16
from integrations.hj212.errors import PacketRefused, Reason
from integrations.hj212.frame import frame
from integrations.hj212.packet import FactorValues
from integrations.hj212.parser import parse_packet
from integrations.hj212.times import CHINA_TIME

from .strategies import STANDARD_EXAMPLE

MN = "010000A8900016F000169DC0"
HEADER = f"QN=20240315103000123;ST=32;CN=2011;PW=123456;MN={MN};Flag=4"
REALTIME = (
    f"{HEADER};CP=&&DataTime=20240315103000;"
    "w01018-Rtd=35.2,w01018-Flag=N;w21003-Rtd=1.05,w21003-ZsRtd=1.1,w21003-Flag=M&&"
)


def refusal(segment: str) -> PacketRefused:
    with pytest.raises(PacketRefused) as caught:
        parse_packet(frame(segment))
    return caught.value


def test_standard_example() -> None:
    packet = parse_packet(STANDARD_EXAMPLE)
    assert packet.qn == "20160801085857223"
    assert (packet.st, packet.cn, packet.pw, packet.mn) == ("32", "1062", "100000", MN)
    assert packet.flag == 5 and packet.reply_wanted and packet.version == 1
    assert not packet.is_split
    assert packet.fields == {"RtdInterval": "30"}
    assert packet.values == {} and packet.data_time is None
    assert packet.nonstandard == ()


def test_bytes_and_text_give_the_same_packet() -> None:
    assert parse_packet(STANDARD_EXAMPLE.encode()) == parse_packet(STANDARD_EXAMPLE)


def test_real_time_data() -> None:
    packet = parse_packet(frame(REALTIME))
    assert packet.data_time == datetime(2024, 3, 15, 10, 30, tzinfo=CHINA_TIME)
    assert packet.data_time.utcoffset() is not None
    assert packet.values == {
        "w01018": FactorValues(rtd=35.2, flag="N"),
        "w21003": FactorValues(rtd=1.05, zs_rtd=1.1, flag="M"),
    }
    assert packet.nonstandard == ()


def test_every_per_factor_suffix() -> None:
    fields = (
        "a21026-Rtd=1,a21026-Min=2,a21026-Avg=3,a21026-Max=4,a21026-Cou=5,"
        "a21026-ZsRtd=6,a21026-ZsMin=7,a21026-ZsAvg=8,a21026-ZsMax=-9.5e1,"
        "a21026-Flag=T,a21026-EFlag=A01,a21026-SampleTime=20240315102959,a21026-Info=废气"
    )
    packet = parse_packet(frame(f"{HEADER};CP=&&DataTime=20240315103000;{fields}&&"))
    assert packet.values["a21026"].as_suffixes() == {
        "Rtd": 1.0,
        "Min": 2.0,
        "Avg": 3.0,
        "Max": 4.0,
        "Cou": 5.0,
        "ZsRtd": 6.0,
        "ZsMin": 7.0,
        "ZsAvg": 8.0,
        "ZsMax": -95.0,
        "Flag": "T",
        "EFlag": "A01",
        "SampleTime": datetime(2024, 3, 15, 10, 29, 59, tzinfo=CHINA_TIME),
        "Info": "废气",
    }


@pytest.mark.parametrize("flag", ["N", "F", "M", "S", "D", "C", "T", "B"])
def test_standard_data_flags_are_plain(flag: str) -> None:
    packet = parse_packet(frame(REALTIME.replace("w01018-Flag=N", f"w01018-Flag={flag}")))
    assert packet.values["w01018"].flag == flag
    assert packet.nonstandard == ()


@pytest.mark.parametrize(
    ("flag", "reply", "split", "version"),
    [("4", False, False, 1), ("5", True, False, 1), ("0", False, False, 0), ("1", True, False, 0)],
)
def test_flag_bits(flag: str, reply: bool, split: bool, version: int) -> None:
    packet = parse_packet(frame(REALTIME.replace("Flag=4", f"Flag={flag}")))
    assert (packet.reply_wanted, packet.is_split, packet.version) == (reply, split, version)


def test_split_flag_reads_pnum_and_pno() -> None:
    packet = parse_packet(frame(REALTIME.replace("Flag=4", "Flag=7;PNUM=3;PNO=2")))
    assert packet.is_split and packet.reply_wanted
    assert (packet.pnum, packet.pno) == (3, 2)


def test_other_fields_are_kept_as_text() -> None:
    packet = parse_packet(frame(f"{HEADER};CP=&&DataTime=20240315103000;SB1-RS=1;PolId=w01018&&"))
    assert packet.fields == {"SB1-RS": "1", "PolId": "w01018"}


def test_empty_data_area() -> None:
    segment = f"QN=20240315103000123;ST=91;CN=9014;PW=123456;MN={MN};Flag=4;CP=&&&&"
    assert parse_packet(frame(segment)).fields == {}


class TestQuirks:
    def test_lower_case_crc(self) -> None:
        packet = parse_packet(frame(REALTIME, lowercase_crc=True))
        assert packet.nonstandard == ("crc:lowercase",)
        assert packet.values["w01018"].rtd == 35.2

    def test_epoch_millisecond_qn(self) -> None:
        packet = parse_packet(frame(REALTIME.replace("20240315103000123", "1710469800123")))
        assert packet.qn == "1710469800123"
        assert packet.nonstandard == ("qn:epoch_ms",)

    def test_short_mn(self) -> None:
        packet = parse_packet(frame(REALTIME.replace(MN, "88888880000001")))
        assert packet.mn == "88888880000001"
        assert packet.nonstandard == ("mn:length=14",)

    def test_semicolon_before_closing_ampersands(self) -> None:
        packet = parse_packet(frame(REALTIME[:-2] + ";&&"))
        assert packet.nonstandard == ("cp:trailing_semicolon",)
        assert packet.values["w21003"].flag == "M"

    def test_2005_packet_without_qn_and_flag(self) -> None:
        segment = (
            "ST=32;CN=2011;PW=123456;MN=88888880000001;CP=&&DataTime=20240315103000;"
            "011-Rtd=35.2,011-Flag=N;060-Rtd=1.05;B01-Rtd=3.5&&"
        )
        packet = parse_packet(frame(segment))
        assert packet.flag is None and packet.version == 0 and not packet.reply_wanted
        assert packet.values == {
            "w01018": FactorValues(rtd=35.2, flag="N"),
            "w21003": FactorValues(rtd=1.05),
            "w00000": FactorValues(rtd=3.5),
        }
        assert packet.nonstandard == (
            "qn:missing",
            "mn:length=14",
            "flag:missing",
            "code:011",
            "code:060",
            "code:B01",
        )

    def test_vendor_login_command(self) -> None:
        segment = f"QN=20240315103000123;ST=32;CN=9021;PW=123456;MN={MN};Flag=5;CP=&&&&"
        assert parse_packet(frame(segment)).nonstandard == ("cn:9021",)

    def test_unknown_system_code(self) -> None:
        packet = parse_packet(frame(REALTIME.replace("ST=32", "ST=101")))
        assert packet.st == "101"
        assert packet.nonstandard == ("st:101",)

    def test_unknown_data_flag(self) -> None:
        packet = parse_packet(frame(REALTIME.replace("w01018-Flag=N", "w01018-Flag=H")))
        assert packet.values["w01018"].flag == "H"
        assert packet.nonstandard == ("dataflag:H",)

    def test_version_beyond_2017(self) -> None:
        packet = parse_packet(frame(REALTIME.replace("Flag=4", "Flag=8")))
        assert packet.version == 2
        assert packet.nonstandard == ("flag:version=2",)

    def test_pnum_without_split_bit(self) -> None:
        packet = parse_packet(frame(REALTIME.replace("Flag=4", "Flag=4;PNUM=2;PNO=1")))
        assert packet.is_split
        assert packet.nonstandard == ("flag:split_bit_missing",)


@pytest.mark.parametrize(
    ("old", "new", "reason", "field"),
    [
        ("ST=32;", "", Reason.MISSING_FIELD, "ST"),
        (f"MN={MN};", "", Reason.MISSING_FIELD, "MN"),
        ("PW=123456;", "", Reason.MISSING_FIELD, "PW"),
        ("DataTime=20240315103000;", "", Reason.MISSING_FIELD, "DataTime"),
        (";CP=&&", ";XX=&&", Reason.MISSING_FIELD, "CP"),
        ("Flag=4", "Flag=6;PNO=1", Reason.MISSING_FIELD, "PNUM"),
        ("Flag=4", "Flag=6;PNUM=2", Reason.MISSING_FIELD, "PNO"),
        ("Flag=4", "Flag=4;Foo=1", Reason.BAD_FIELD, "Foo"),
        ("Flag=4", "Flag=4;ST=32", Reason.BAD_FIELD, "ST"),
        ("Flag=4", "Flag=4;;", Reason.BAD_FIELD, ""),
        ("ST=32", "ST=3a", Reason.BAD_FIELD, "ST"),
        ("CN=2011", "CN=２０11", Reason.BAD_FIELD, "CN"),
        (f"MN={MN}", "MN=", Reason.BAD_FIELD, "MN"),
        ("Flag=4", "Flag=256", Reason.BAD_FIELD, "Flag"),
        ("Flag=4", "Flag=-1", Reason.BAD_FIELD, "Flag"),
        ("Flag=4", "Flag=6;PNUM=x;PNO=1", Reason.BAD_FIELD, "PNUM"),
        ("20240315103000123", "2024031510300012", Reason.BAD_FIELD, "QN"),
        ("20240315103000123", "20241315103000123", Reason.BAD_FIELD, "QN"),
        ("w01018-Rtd=35.2", "w01018-Rtd=abc", Reason.BAD_FIELD, "w01018-Rtd"),
        ("w01018-Rtd=35.2", "w01018-Rtd=nan", Reason.BAD_FIELD, "w01018-Rtd"),
        ("w01018-Rtd=35.2", "w01018-Rtd=inf", Reason.BAD_FIELD, "w01018-Rtd"),
        ("w01018-Rtd=35.2", "w01018-Rtd=1e999", Reason.BAD_FIELD, "w01018-Rtd"),
        ("w01018-Rtd=35.2", "w01018-Rtd=1_000", Reason.BAD_FIELD, "w01018-Rtd"),
        ("w01018-Rtd=35.2", "w01018-Rtd= 35", Reason.BAD_FIELD, "w01018-Rtd"),
        ("w01018-Rtd=35.2", "w01018-Rtd=", Reason.BAD_FIELD, "w01018-Rtd"),
        ("w01018-Rtd=35.2", "w01018-Rtd=1.2.3", Reason.BAD_FIELD, "w01018-Rtd"),
        ("w01018-Flag=N", "w01018-Flag=", Reason.BAD_FIELD, "w01018-Flag"),
        ("w01018-Flag=N", "w01018-Flag=N,w01018-Flag=M", Reason.BAD_FIELD, "w01018-Flag"),
        ("w01018-Rtd=35.2", "w01018-Rtd=35.2,,", Reason.BAD_FIELD, ""),
        ("w01018-Rtd=35.2", "w01018-Rtd35.2", Reason.BAD_FIELD, "w01018-Rtd35.2"),
        ("w01018-Rtd=35.2", "-Rtd=35.2", Reason.BAD_FIELD, "-Rtd=35.2"),
        ("DataTime=20240315103000;", "DataTime=20240315103000;DataTime=1;", Reason.BAD_FIELD,
         "DataTime"),
        ("DataTime=20240315103000", "DataTime=2024031510300", Reason.BAD_DATATIME, "DataTime"),
        ("DataTime=20240315103000", "DataTime=20240230103000", Reason.BAD_DATATIME, "DataTime"),
        ("DataTime=20240315103000", "DataTime=20240315246000", Reason.BAD_DATATIME, "DataTime"),
        ("w01018-Flag=N", "w01018-SampleTime=2024", Reason.BAD_DATATIME, "w01018-SampleTime"),
    ],
)
def test_refusals_name_the_field(old: str, new: str, reason: Reason, field: str) -> None:
    assert old in REALTIME
    error = refusal(REALTIME.replace(old, new, 1))
    assert error.reason is reason
    assert error.extra.get("field") == field
    assert error.detail


def test_data_area_not_closed() -> None:
    error = refusal(REALTIME[:-2])
    assert (error.reason, error.extra) == (Reason.BAD_FIELD, {"field": "CP"})


def test_2005_and_2017_code_of_one_factor_collide() -> None:
    error = refusal(REALTIME.replace("w01018-Flag=N", "w01018-Flag=N;011-Rtd=3"))
    assert (error.reason, error.extra) == (Reason.BAD_FIELD, {"field": "w01018-Rtd"})


def test_part_number_beyond_count() -> None:
    error = refusal(REALTIME.replace("Flag=4", "Flag=6;PNUM=2;PNO=3"))
    assert error.reason is Reason.BAD_SPLIT
    assert error.extra == {"pnum": 2, "pno": 3}


def test_data_area_over_950_characters() -> None:
    padding = ";".join(f"x{n:03d}=1234567" for n in range(80))
    error = refusal(REALTIME[:-2] + ";" + padding + "&&")
    assert error.reason is Reason.TOO_LONG


def test_invalid_utf8() -> None:
    segment = REALTIME.encode().replace(b"PW=123456", b"PW=12345\xff")
    raw = b"##%04d" % len(segment) + segment + b"%04X\r\n" % crc16(segment)
    with pytest.raises(PacketRefused) as caught:
        parse_packet(raw)
    assert caught.value.reason is Reason.BAD_ENCODING
    assert caught.value.extra == {"position": segment.index(b"\xff")}



def test_a_sender_of_ever_new_field_names_does_not_grow_the_name_cache() -> None:
    """Field names are read once and remembered, up to a bound; past it they are still read correctly."""
    for start in range(0, data_area._MAX_KNOWN_NAMES + 200, 20):
        names = ",".join(f"x{start + n:05d}-Rtd={n}" for n in range(20))
        packet = parse_packet(frame(f"{HEADER};CP=&&DataTime=20240315103000;{names}&&"))
        assert packet.values[f"x{start + 19:05d}"] == FactorValues(rtd=19.0)
    assert len(data_area._known_names) <= data_area._MAX_KNOWN_NAMES
