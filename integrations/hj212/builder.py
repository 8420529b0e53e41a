"""Write HJ 212 packets: data uploads and commands for simulators and tests, and replies.

The builder refuses (``ValueError``) what would break the framing or the size
limits; other content is written as given, so a test can also build a packet
whose values the parser refuses (a text ``Rtd``, an unknown data flag).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .codes import (
    DATA_ANSWER,
    EXECUTION_RESULT,
    REPLY_SYSTEM,
    REQUEST_ANSWER,
    ExeRtn,
    QnRtn,
)
from .data_area import MAX_DATA_AREA
from .frame import MAX_SEGMENT, frame
from .packet import FLAG_REPLY, FLAG_SPLIT, SUFFIX_ATTRS, FactorValues, Packet, Value
from .times import format_datatime

FLAG_2017 = 4
"""Flag of a plain HJ 212-2017 packet: version bits 000001, no reply wanted, not split."""

_RESERVED = frozenset(";,&=\r\n")

Factors = Mapping[str, FactorValues | Mapping[str, Value]]


def build_packet(
    *,
    st: str,
    cn: str,
    pw: str,
    mn: str,
    qn: str | None = None,
    flag: int | None = FLAG_2017,
    pnum: int | None = None,
    pno: int | None = None,
    data_time: datetime | None = None,
    values: Factors | None = None,
    fields: Mapping[str, Value] | None = None,
    lowercase_crc: bool = False,
) -> str:
    """Return a framed packet (CR LF included) with correct length and CRC.

    ``values`` maps factor codes to :class:`FactorValues` or to ``{"Rtd": 1.5, "Flag": "N"}``;
    ``fields`` holds other data-area fields such as ``{"RtdInterval": 30}``. Header
    fields that are None are left out.

    :raises ValueError: naming the field that cannot be written.
    """
    header: dict[str, str | int | None] = {
        "QN": qn, "ST": st, "CN": cn, "PW": pw, "MN": mn, "Flag": flag, "PNUM": pnum, "PNO": pno
    }
    items = [f"{key}={_text(key, v)}" for key, v in header.items() if v is not None]
    cp = _data_area(data_time, values or {}, fields or {})
    if len(cp) > MAX_DATA_AREA:
        raise ValueError(f"data area of {len(cp)} characters exceeds {MAX_DATA_AREA}")
    segment = f"{';'.join(items)};CP=&&{cp}&&"
    if len(segment.encode()) > MAX_SEGMENT:
        raise ValueError(f"data segment of {len(segment.encode())} bytes exceeds {MAX_SEGMENT}")
    return frame(segment, lowercase_crc=lowercase_crc)


def _data_area(data_time: datetime | None, values: Factors, fields: Mapping[str, Value]) -> str:
    items = [] if data_time is None else [f"DataTime={format_datatime(data_time)}"]
    items.extend(f"{_name(name)}={_text(name, value)}" for name, value in fields.items())
    for code, factor in values.items():
        present = factor.as_suffixes() if isinstance(factor, FactorValues) else factor
        if not present:
            raise ValueError(f"factor {code} has no values")
        fields_of_code = (_factor_field(code, suffix, v) for suffix, v in present.items())
        items.append(",".join(fields_of_code))
    return ";".join(items)


def _factor_field(code: str, suffix: str, value: Value) -> str:
    if suffix not in SUFFIX_ATTRS:
        known = ", ".join(SUFFIX_ATTRS)
        raise ValueError(f"{code}-{suffix}: unknown suffix, expected one of {known}")
    name = _name(f"{code}-{suffix}")
    return f"{name}={_text(name, value)}"


def _name(name: str) -> str:
    if not name or _RESERVED.intersection(name):
        raise ValueError(f"field name {name!r} is empty or contains one of ; , & = CR LF")
    return name


def _text(name: str, value: Value | int) -> str:
    """Write one value: numbers as Python writes them, times as YYYYMMDDhhmmss."""
    if isinstance(value, datetime):
        return format_datatime(value)
    text = repr(value) if isinstance(value, float) else str(value)
    if _RESERVED.intersection(text):
        raise ValueError(f"{name}={text!r} contains one of ; , & = CR LF")
    return text


def _reply(request: Packet, cn: str, fields: Mapping[str, Value]) -> str:
    """Answer ``request``: same QN, PW and MN, ST 91, the request's version, no reply wanted."""
    flag = None if request.flag is None else request.flag & ~(FLAG_REPLY | FLAG_SPLIT)
    return build_packet(
        st=REPLY_SYSTEM,
        cn=cn,
        pw=request.pw,
        mn=request.mn,
        qn=request.qn,
        flag=flag,
        fields=fields,
    )


def build_request_answer(request: Packet, qn_rtn: QnRtn) -> str:
    """CN 9011: whether the request is accepted (``QnRtn``)."""
    return _reply(request, REQUEST_ANSWER, {"QnRtn": str(int(qn_rtn))})


def build_execution_result(request: Packet, exe_rtn: ExeRtn) -> str:
    """CN 9012: how executing the request ended (``ExeRtn``)."""
    return _reply(request, EXECUTION_RESULT, {"ExeRtn": str(int(exe_rtn))})


def build_data_answer(request: Packet) -> str:
    """CN 9014: data received (the answer to an upload whose Flag asks for one)."""
    return _reply(request, DATA_ANSWER, {})
