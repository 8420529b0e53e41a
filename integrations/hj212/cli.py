"""``hj212`` commands: check and read packets from a file or standard input."""

from __future__ import annotations

import json
from datetime import datetime
from typing import BinaryIO

import click

from .errors import PacketRefused
from .packet import Packet, Value
from .parser import parse_packet


@click.group("hj212")
def hj212() -> None:
    """Tools for HJ 212 packets."""


@hj212.command("parse")
@click.argument("file", type=click.File("rb"), default="-")
@click.pass_context
def parse_command(ctx: click.Context, file: BinaryIO) -> None:
    """Parse one packet per line of FILE (standard input without FILE).

    Prints one JSON object per packet; exits with 1 when any packet was refused.
    """
    refused = 0
    for line in file:
        raw = _strip_line_end(line)
        if not raw.strip():
            continue
        try:
            result = packet_json(parse_packet(raw))
        except PacketRefused as exc:
            refused += 1
            result = refusal_json(exc)
        click.echo(json.dumps(result, ensure_ascii=False))
    ctx.exit(1 if refused else 0)


def _strip_line_end(line: bytes) -> bytes:
    """Remove the line's LF or CR LF (the frame's own CR LF, when read line by line)."""
    if line.endswith(b"\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith(b"\n") else line


def packet_json(packet: Packet) -> dict[str, object]:
    """The JSON object for a valid packet (the password left out)."""
    return {
        "ok": True,
        "qn": packet.qn,
        "st": packet.st,
        "cn": packet.cn,
        "mn": packet.mn,
        "flag": packet.flag,
        "data_time": _json_value(packet.data_time),
        "values": {
            code: {suffix: _json_value(value) for suffix, value in factor.as_suffixes().items()}
            for code, factor in packet.values.items()
        },
        "fields": dict(packet.fields),
        "nonstandard": list(packet.nonstandard),
    }


def refusal_json(error: PacketRefused) -> dict[str, object]:
    """The JSON object for a refused packet: reason, detail and the values that locate the fault."""
    return {"ok": False, "reason": error.reason.value, "detail": error.detail, **error.extra}


def _json_value(value: Value | None) -> float | str | None:
    return value.isoformat() if isinstance(value, datetime) else value
