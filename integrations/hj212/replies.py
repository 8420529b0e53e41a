"""Which answer a packet gets, when its Flag asks for one (bit A).

- data uploads stored, already stored or replaced: 9014 (data answer);
- other uploads (status, run time, restart: CN 2021/2041/2081): 9014;
- a vendor login (9021) or time calibration request (1013): 9011 ready, then 9012 success;
- refusals: 9011 with the ``QnRtn`` that says why (wrong PW 3, unknown MN 4, wrong CRC 9, …);
- a storage failure: no answer, so the logger keeps the data and sends it again.

A packet the parser refused is answered from what can be read of its header,
and only when that header carries an MN and a Flag asking for a reply.
"""

from __future__ import annotations

import re

from engine.monitoring.records import PacketResult

from .builder import build_data_answer, build_execution_result, build_request_answer
from .codes import ExeRtn, QnRtn
from .errors import PacketRefused, Reason
from .packet import FLAG_REPLY, Packet

UPLOADS = frozenset({"2011", "2021", "2031", "2041", "2051", "2061", "2081"})
HANDSHAKES = frozenset({"9021", "1013"})

_RESULT_CODES = {
    "unknown_mn": QnRtn.WRONG_MN,
    "wrong_password": QnRtn.WRONG_PASSWORD,
    "inactive_point": QnRtn.REFUSED,
    "future_datatime": QnRtn.REFUSED,
    "missing_datatime": QnRtn.REFUSED,
}
_FIELD_CODES = {"QN": QnRtn.WRONG_QN, "ST": QnRtn.WRONG_ST, "CN": QnRtn.WRONG_CN, "MN": QnRtn.WRONG_MN,
                "PW": QnRtn.WRONG_PASSWORD, "Flag": QnRtn.WRONG_FLAG}
_HEADER_FIELD = re.compile(r"(?:^|;)(QN|ST|CN|PW|MN|Flag)=([^;]*)")


def reply_for_result(packet: Packet, result: PacketResult) -> bytes:
    """The answer bytes for a packet that reached ingest (empty when none is due)."""
    if not packet.reply_wanted:
        return b""
    try:
        if result.ok:
            return _answer_accepted(packet)
        code = _RESULT_CODES.get(result.reason or "")
        return build_request_answer(packet, code).encode() if code is not None else b""
    except ValueError:  # the request's QN, PW or MN cannot be written back (it holds a ',' or '&')
        return b""


def _answer_accepted(packet: Packet) -> bytes:
    if packet.cn in UPLOADS:
        return build_data_answer(packet).encode()
    if packet.cn in HANDSHAKES:
        return (build_request_answer(packet, QnRtn.READY) + build_execution_result(packet, ExeRtn.SUCCESS)).encode()
    return build_request_answer(packet, QnRtn.WRONG_CN).encode()


def reply_for_refusal(raw: bytes, error: PacketRefused) -> bytes:
    """9011 for a refused frame whose readable header asks for a reply; empty otherwise."""
    header = salvage_header(raw)
    if header is None or not header.reply_wanted:
        return b""
    if error.reason in (Reason.CRC_MISMATCH, Reason.LENGTH_MISMATCH):
        code = QnRtn.WRONG_CRC
    else:
        code = _FIELD_CODES.get(str(error.extra.get("field", "")), QnRtn.UNKNOWN)
    try:
        return build_request_answer(header, code).encode()
    except ValueError:  # the salvaged header cannot even be written back
        return b""


def salvage_header(raw: bytes) -> Packet | None:
    """Read QN, ST, CN, PW, MN and Flag from a frame the parser refused; None without an MN."""
    text = raw[6:].split(b";CP=", 1)[0].decode("utf-8", "replace")
    fields = {name: value for name, value in _HEADER_FIELD.findall(text)}
    flag_text = fields.get("Flag", "")
    flag = int(flag_text) if flag_text.isascii() and flag_text.isdigit() and len(flag_text) <= 3 else None
    if not fields.get("MN") or flag is None or not flag & FLAG_REPLY:
        return None
    return Packet(qn=fields.get("QN"), st=fields.get("ST", ""), cn=fields.get("CN", ""), pw=fields.get("PW", ""),
                  mn=fields["MN"], flag=flag, pnum=None, pno=None, data_time=None, values={}, fields={})
