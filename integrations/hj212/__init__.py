"""HJ 212-2017 (and HJ/T 212-2005) packets: parse, build, reassemble and frame a stream."""

from .builder import (
    build_data_answer,
    build_execution_result,
    build_packet,
    build_request_answer,
)
from .codes import ExeRtn, QnRtn
from .crc import crc16, crc_hex
from .errors import PacketRefused, Reason, StreamOverflow
from .frame import frame, unframe
from .packet import FactorValues, Packet
from .parser import parse_packet
from .reassembly import Reassembler, combine_parts
from .stream import StreamFramer
from .times import make_qn

__all__ = [
    "ExeRtn",
    "FactorValues",
    "Packet",
    "PacketRefused",
    "QnRtn",
    "Reason",
    "Reassembler",
    "StreamFramer",
    "StreamOverflow",
    "build_data_answer",
    "build_execution_result",
    "build_packet",
    "build_request_answer",
    "combine_parts",
    "crc16",
    "crc_hex",
    "frame",
    "make_qn",
    "parse_packet",
    "unframe",
]
