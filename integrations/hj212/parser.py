"""Turn a framed HJ 212 packet into a :class:`~.packet.Packet`, or say why not.

Liberal in form (lower-case CRC, epoch-millisecond QN, MN of any length, missing
Flag, ``;&&``, 2005 factor codes, vendor ST/CN codes: each accepted and listed in
``Packet.nonstandard``), strict in content (every refusal is a
:class:`~.errors.PacketRefused` with a reason code).
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.monitoring.codes import COMMAND_CODES, DATA_COMMANDS

from .codes import SYSTEM_CODES
from .data_area import parse_data_area
from .errors import PacketRefused, Reason
from .frame import unframe
from .packet import FLAG_SPLIT, VERSION_2017, Packet
from .times import check_qn

HEADER_FIELDS = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")
REQUIRED_HEADER_FIELDS = ("ST", "CN", "PW", "MN")
STANDARD_MN_LENGTH = 24

_CP_START = ";CP=&&"
_CP_END = "&&"
_MAX_FLAG = 255
_MAX_PARTS = 9999


def parse_packet(raw: bytes | str) -> Packet:
    """Check and parse one frame (``##…`` with or without the trailing CR LF).

    :raises PacketRefused: the reason the packet is not valid.
    """
    segment, lowercase_crc = unframe(raw.encode() if isinstance(raw, str) else raw)
    try:
        text = segment.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PacketRefused(
            Reason.BAD_ENCODING,
            f"data segment is not UTF-8 at byte {exc.start}",
            position=exc.start,
        ) from exc
    nonstandard = ["crc:lowercase"] if lowercase_crc else []
    return _parse_segment(text, nonstandard)


def _parse_segment(text: str, nonstandard: list[str]) -> Packet:
    header, cp = _read_header(text)
    _check_codes(header, nonstandard)
    flag, pnum, pno = _read_flag(header, nonstandard)
    area = parse_data_area(cp)
    if area.data_time is None and header["CN"] in DATA_COMMANDS:
        raise PacketRefused(
            Reason.MISSING_FIELD, f"CN={header['CN']} data carries no DataTime", field="DataTime"
        )
    return Packet(
        qn=header.get("QN"),
        st=header["ST"],
        cn=header["CN"],
        pw=header["PW"],
        mn=header["MN"],
        flag=flag,
        pnum=pnum,
        pno=pno,
        data_time=area.data_time,
        values=area.values,
        fields=area.fields,
        nonstandard=(*nonstandard, *area.nonstandard),
    )


def _read_header(text: str) -> tuple[dict[str, str], str]:
    """Split the data segment into header fields and the data area between the ``&&``."""
    start = text.find(_CP_START)
    if start < 0:
        raise PacketRefused(
            Reason.MISSING_FIELD, "no ';CP=&&' data area after the header fields", field="CP"
        )
    if not text.endswith(_CP_END) or len(text) < start + len(_CP_START) + len(_CP_END):
        raise PacketRefused(Reason.BAD_FIELD, "data area is not closed by '&&'", field="CP")
    header: dict[str, str] = {}
    for item in text[:start].split(";"):
        key, sep, value = item.partition("=")
        if not sep or key not in HEADER_FIELDS:
            raise PacketRefused(
                Reason.BAD_FIELD, f"{item!r} is not a header field {'/'.join(HEADER_FIELDS)}",
                field=key,
            )
        if key in header:
            raise PacketRefused(Reason.BAD_FIELD, f"header field {key} appears twice", field=key)
        header[key] = value
    for key in REQUIRED_HEADER_FIELDS:
        if key not in header:
            raise PacketRefused(Reason.MISSING_FIELD, f"header field {key} is missing", field=key)
    return header, text[start + len(_CP_START) : -len(_CP_END)]


def _check_codes(header: Mapping[str, str], nonstandard: list[str]) -> None:
    """Check QN, ST, CN and MN; note codes and forms outside the standard."""
    qn = header.get("QN")
    if qn is None:
        nonstandard.append("qn:missing")
    elif check_qn(qn):
        nonstandard.append("qn:epoch_ms")
    for key, known in (("ST", SYSTEM_CODES), ("CN", COMMAND_CODES)):
        code = header[key]
        if not (code.isascii() and code.isdigit()):
            raise PacketRefused(Reason.BAD_FIELD, f"{key}={code!r} is not a number", field=key)
        if code not in known:
            nonstandard.append(f"{key.lower()}:{code}")
    mn = header["MN"]
    if not mn:
        raise PacketRefused(Reason.BAD_FIELD, "MN is empty", field="MN")
    if len(mn) != STANDARD_MN_LENGTH:
        nonstandard.append(f"mn:length={len(mn)}")


def _read_flag(
    header: Mapping[str, str], nonstandard: list[str]
) -> tuple[int | None, int | None, int | None]:
    """Return Flag, PNUM and PNO, checking that split packets number their parts."""
    flag = _read_int(header, "Flag", _MAX_FLAG)
    if flag is None:
        nonstandard.append("flag:missing")
    elif flag >> 2 > VERSION_2017:
        nonstandard.append(f"flag:version={flag >> 2}")
    pnum, pno = _read_int(header, "PNUM", _MAX_PARTS), _read_int(header, "PNO", _MAX_PARTS)
    split = flag is not None and bool(flag & FLAG_SPLIT)
    if pnum is None and pno is None and not split:
        return flag, None, None
    if pnum is None or pno is None:
        missing = "PNUM" if pnum is None else "PNO"
        raise PacketRefused(Reason.MISSING_FIELD, f"split packet without {missing}", field=missing)
    if not 1 <= pno <= pnum:
        raise PacketRefused(
            Reason.BAD_SPLIT, f"PNO={pno} is outside 1..PNUM={pnum}", pnum=pnum, pno=pno
        )
    if flag is not None and not split:
        nonstandard.append("flag:split_bit_missing")
    return flag, pnum, pno


def _read_int(header: Mapping[str, str], key: str, maximum: int) -> int | None:
    text = header.get(key)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > maximum:
        raise PacketRefused(
            Reason.BAD_FIELD, f"{key}={text!r} is not a number from 0 to {maximum}", field=key
        )
    return int(text)
