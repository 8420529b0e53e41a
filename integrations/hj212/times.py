"""The time stamps of HJ 212: ``QN`` request ids and ``DataTime``-style fields.

Loggers in China send local time without an offset; EcoLoop reads it as
Asia/Shanghai unless told otherwise.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from .errors import PacketRefused, Reason

SHANGHAI = ZoneInfo("Asia/Shanghai")

_DATETIME_DIGITS = 14
_QN_DIGITS = 17
_EPOCH_MS_DIGITS = 13


def _is_digits(text: str) -> bool:
    # str.isdigit() alone accepts '²' and Arabic-Indic digits.
    return text.isascii() and text.isdigit()


def parse_datatime(text: str, field: str, tz: tzinfo = SHANGHAI) -> datetime:
    """Read ``YYYYMMDDhhmmss`` as an aware datetime.

    :raises PacketRefused: ``bad_datatime`` naming ``field`` when the text is not a real moment.
    """
    if len(text) != _DATETIME_DIGITS or not _is_digits(text):
        raise PacketRefused(
            Reason.BAD_DATATIME, f"{field}={text!r} is not 14 digits YYYYMMDDhhmmss", field=field
        )
    try:
        year, month, day = int(text[0:4]), int(text[4:6]), int(text[6:8])
        hour, minute, second = int(text[8:10]), int(text[10:12]), int(text[12:14])
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as exc:
        raise PacketRefused(
            Reason.BAD_DATATIME, f"{field}={text!r} is not a valid time: {exc}", field=field
        ) from exc


def format_datatime(moment: datetime, tz: tzinfo = SHANGHAI) -> str:
    """Write an aware datetime as ``YYYYMMDDhhmmss`` in ``tz``."""
    return moment.astimezone(tz).strftime("%Y%m%d%H%M%S")


def check_qn(qn: str, tz: tzinfo = SHANGHAI) -> bool:
    """Check a request id; return True when it is the epoch-milliseconds quirk.

    :raises PacketRefused: ``bad_field`` when ``qn`` is neither 17 digits of a real
        moment (``YYYYMMDDhhmmsszzz``) nor 13 digits of epoch milliseconds.
    """
    if len(qn) == _EPOCH_MS_DIGITS and _is_digits(qn):
        return True
    if len(qn) != _QN_DIGITS or not _is_digits(qn):
        raise PacketRefused(
            Reason.BAD_FIELD, f"QN={qn!r} is not 17 digits YYYYMMDDhhmmsszzz", field="QN"
        )
    try:
        parse_datatime(qn[:_DATETIME_DIGITS], "QN", tz)
    except PacketRefused as exc:
        raise PacketRefused(Reason.BAD_FIELD, exc.detail, field="QN") from exc
    return False


def make_qn(moment: datetime, tz: tzinfo = SHANGHAI) -> str:
    """Write the request id ``YYYYMMDDhhmmsszzz`` for an aware datetime."""
    local = moment.astimezone(tz)
    return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}"
