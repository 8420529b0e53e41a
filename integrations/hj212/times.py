"""The time stamps of HJ 212: ``QN`` request ids and ``DataTime``-style fields.

Loggers send China Standard Time without an offset (China keeps no daylight
saving time), so EcoLoop reads every time stamp at UTC+08:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .errors import PacketRefused, Reason

CHINA_TIME = timezone(timedelta(hours=8))

_DATETIME_DIGITS = 14
_QN_DIGITS = 17
_EPOCH_MS_DIGITS = 13


def _is_digits(text: str) -> bool:
    # str.isdigit() alone accepts '²' and Arabic-Indic digits.
    return text.isascii() and text.isdigit()


def parse_datatime(text: str, field: str) -> datetime:
    """Read ``YYYYMMDDhhmmss`` (China Standard Time) as an aware datetime.

    :raises PacketRefused: ``bad_datatime`` naming ``field`` when the text is not a real moment.
    """
    if len(text) != _DATETIME_DIGITS or not _is_digits(text):
        raise PacketRefused(
            Reason.BAD_DATATIME, f"{field}={text!r} is not 14 digits YYYYMMDDhhmmss", field=field
        )
    try:
        # Several times faster than datetime(int(…), …, tzinfo=…): the hot path.
        return datetime.fromisoformat(f"{text[:8]}T{text[8:]}+08:00")
    except ValueError as exc:
        raise PacketRefused(
            Reason.BAD_DATATIME, f"{field}={text!r} is not a valid time: {exc}", field=field
        ) from exc


def format_datatime(moment: datetime) -> str:
    """Write an aware datetime as ``YYYYMMDDhhmmss`` in China Standard Time."""
    return moment.astimezone(CHINA_TIME).strftime("%Y%m%d%H%M%S")


def check_qn(qn: str) -> bool:
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
        parse_datatime(qn[:_DATETIME_DIGITS], "QN")
    except PacketRefused as exc:
        raise PacketRefused(Reason.BAD_FIELD, exc.detail, field="QN") from exc
    return False


def make_qn(moment: datetime) -> str:
    """Write the request id ``YYYYMMDDhhmmsszzz`` of an aware datetime."""
    local = moment.astimezone(CHINA_TIME)
    return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}"
