"""The data area ``CP=&&…&&``: ``;`` between items, ``,`` between fields, ``=`` in a field.

Items only group fields for the reader's eye, so fields are read one by one. A
field ``<code>-<suffix>`` with a suffix of :data:`~.packet.SUFFIX_ATTRS` is a
factor value; ``DataTime`` is the data time; every other field is kept as text.
The loop over factor fields is the receiver's hot path, hence written flat, with each
field name's reading remembered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from engine.monitoring.codes import CODES_2005_TO_2017, DATA_FLAGS

from .errors import PacketRefused, Reason
from .packet import SUFFIX_ATTRS, FactorValues, Value
from .times import parse_datatime

MAX_DATA_AREA = 950
"""Most characters between ``CP=&&`` and the closing ``&&``."""

_NUMERIC_SUFFIXES = frozenset(
    {"Rtd", "Min", "Avg", "Max", "Cou", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax"}
)
_NUMBER_CHARS = "0123456789.+-eE"
_MAX_KNOWN_NAMES = 4096


class _FactorField(NamedTuple):
    """What a field name ``<code>-<suffix>`` says: the 2017 code, the attribute, and how to read the value."""

    code: str
    attr: str
    suffix: str
    numeric: bool
    nonstandard: str | None  # "code:<2005 code>" when the code was translated


_NOT_A_FACTOR = _FactorField("", "", "", False, None)
"""The reading of every other name (its empty code tells it apart)."""
_known_names: dict[str, _FactorField] = {}
"""Field name → its reading. Loggers repeat the same few dozen names, so each is split once."""


def _factor_field(name: str) -> _FactorField:
    """Read a field name; :data:`_NOT_A_FACTOR` when it is not ``<code>-<known suffix>``."""
    found = _known_names.get(name)
    if found is not None:
        return found
    code, _, suffix = name.partition("-")
    attr = SUFFIX_ATTRS.get(suffix)
    if attr is None or not code:
        found = _NOT_A_FACTOR
    elif code in CODES_2005_TO_2017:
        found = _FactorField(CODES_2005_TO_2017[code], attr, suffix, suffix in _NUMERIC_SUFFIXES, f"code:{code}")
    else:
        found = _FactorField(code, attr, suffix, suffix in _NUMERIC_SUFFIXES, None)
    if len(_known_names) < _MAX_KNOWN_NAMES:  # a sender of random names cannot grow it without bound
        _known_names[name] = found
    return found


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


def _not_a_number(name: str, text: str) -> PacketRefused:
    # float() alone would also take 'nan', 'inf', '1_000' and surrounding blanks: hence the character check.
    return PacketRefused(Reason.BAD_FIELD, f"{name}={text!r} is not a number", field=name)


class _DataAreaReader:
    """Collects the fields of one data area, refusing duplicates.

    Factor values are written straight into the ``__dict__`` of their
    :class:`~.packet.FactorValues` (see :meth:`~.packet.FactorValues.from_attrs`).
    """

    def __init__(self) -> None:
        self.data_time: datetime | None = None
        self.values: dict[str, FactorValues] = {}
        self.attrs: dict[str, dict[str, Value]] = {}  # code → the __dict__ of values[code]
        self.fields: dict[str, str] = {}
        self.nonstandard: dict[str, None] = {}  # an ordered set

    def read(self, fields: list[str]) -> None:
        known, factors = _known_names, self.attrs
        for field in fields:
            name, sep, value = field.partition("=")
            code, attr, suffix, numeric, nonstandard = known.get(name) or _factor_field(name)
            if not code or not sep:
                self._add_other(field, name, sep, value)
                continue
            if nonstandard is not None:
                self.nonstandard[nonstandard] = None
            attrs = factors.get(code)
            if attrs is None:
                attrs = self._new_factor(code)
            elif attr in attrs:
                raise _duplicate(f"{code}-{suffix}")
            if not numeric:
                attrs[attr] = self._convert(suffix, value, name)
                continue
            if not value or value.strip(_NUMBER_CHARS):
                raise _not_a_number(name, value)
            try:
                number = float(value)
            except ValueError:
                raise _not_a_number(name, value) from None
            if number - number != 0.0:  # inf or nan
                raise _not_a_number(name, value)
            attrs[attr] = number

    def _new_factor(self, code: str) -> dict[str, Value]:
        values = self.values[code] = FactorValues.from_attrs({})
        attrs: dict[str, Value] = values.__dict__
        self.attrs[code] = attrs
        return attrs

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
        return DataArea(self.data_time, self.values, self.fields, tuple(self.nonstandard))


def _duplicate(name: str) -> PacketRefused:
    return PacketRefused(Reason.BAD_FIELD, f"field {name} appears twice", field=name)
