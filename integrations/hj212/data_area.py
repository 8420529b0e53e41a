"""The data area ``CP=&&…&&``: ``;`` between items, ``,`` between fields, ``=`` in a field.

Items only group fields for the reader's eye, so fields are read one by one. A
field ``<code>-<suffix>`` with a suffix of :data:`~.packet.SUFFIX_ATTRS` is a
factor value; ``DataTime`` is the data time; every other field is kept as text.
The loop over factor fields is the receiver's hot path, hence written flat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .codes import CODES_2005_TO_2017, DATA_FLAGS
from .errors import PacketRefused, Reason
from .packet import SUFFIX_ATTRS, FactorValues, Value
from .times import parse_datatime

MAX_DATA_AREA = 950
"""Most characters between ``CP=&&`` and the closing ``&&``."""

_NUMERIC_SUFFIXES = frozenset(
    {"Rtd", "Min", "Avg", "Max", "Cou", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax"}
)
_NUMBER_CHARS = "0123456789.+-eE"


@dataclass(frozen=True, slots=True)
class DataArea:
    data_time: datetime | None
    values: Mapping[str, FactorValues]
    fields: Mapping[str, str]
    nonstandard: tuple[str, ...]


def parse_data_area(cp: str) -> DataArea:
    """Read the text between ``CP=&&`` and the closing ``&&``.

    :raises PacketRefused: ``too_long``, ``bad_field`` or ``bad_datatime`` naming the field.
    """
    if len(cp) > MAX_DATA_AREA:
        raise PacketRefused(
            Reason.TOO_LONG, f"data area of {len(cp)} characters exceeds {MAX_DATA_AREA}"
        )
    reader = _DataAreaReader()
    if cp.endswith(";"):
        cp = cp[:-1]
        reader.nonstandard["cp:trailing_semicolon"] = None
    if cp:
        reader.read(cp.replace(",", ";").split(";"))
    return reader.result()


def _number(text: str, name: str) -> float:
    # float() alone would also take 'nan', 'inf', '1_000' and surrounding blanks.
    if text and not text.strip(_NUMBER_CHARS):
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise PacketRefused(Reason.BAD_FIELD, f"{name}={text!r} is not a number", field=name)


class _DataAreaReader:
    """Collects the fields of one data area, refusing duplicates."""

    def __init__(self) -> None:
        self.data_time: datetime | None = None
        self.factors: dict[str, dict[str, Value]] = {}
        self.fields: dict[str, str] = {}
        self.nonstandard: dict[str, None] = {}  # an ordered set

    def read(self, fields: list[str]) -> None:
        factors = self.factors
        for field in fields:
            name, sep, value = field.partition("=")
            code, _, suffix = name.partition("-")
            attr = SUFFIX_ATTRS.get(suffix)
            if attr is None or not code or not sep:
                self._add_other(field, name, sep, value)
                continue
            if code in CODES_2005_TO_2017:
                self.nonstandard[f"code:{code}"] = None
                code = CODES_2005_TO_2017[code]
            attrs = factors.get(code)
            if attrs is None:
                attrs = factors[code] = {}
            if attr in attrs:
                raise _duplicate(f"{code}-{suffix}")
            if suffix in _NUMERIC_SUFFIXES:
                attrs[attr] = _number(value, name)
            else:
                attrs[attr] = self._convert(suffix, value, name)

    def _add_other(self, field: str, name: str, sep: str, value: str) -> None:
        """Add a field that is not a factor value (or refuse a malformed one)."""
        if not sep or not name or name.startswith("-"):
            raise PacketRefused(
                Reason.BAD_FIELD, f"data area field {field!r} is not name=value", field=field
            )
        if name == "DataTime":
            if self.data_time is not None:
                raise _duplicate(name)
            self.data_time = parse_datatime(value, name)
        elif name in self.fields:
            raise _duplicate(name)
        else:
            self.fields[name] = value

    def _convert(self, suffix: str, value: str, name: str) -> Value:
        if suffix == "SampleTime":
            return parse_datatime(value, name)
        if suffix == "Flag":
            if not value:
                raise PacketRefused(Reason.BAD_FIELD, f"{name} is empty", field=name)
            if value not in DATA_FLAGS:
                self.nonstandard[f"dataflag:{value}"] = None
        return value

    def result(self) -> DataArea:
        values = {code: FactorValues.from_attrs(attrs) for code, attrs in self.factors.items()}
        return DataArea(self.data_time, values, self.fields, tuple(self.nonstandard))


def _duplicate(name: str) -> PacketRefused:
    return PacketRefused(Reason.BAD_FIELD, f"field {name} appears twice", field=name)
