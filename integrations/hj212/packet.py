"""Parsed HJ 212 packets: the header, the data time and the values per factor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

FLAG_REPLY = 0b01
FLAG_SPLIT = 0b10
VERSION_2017 = 1

SUFFIX_ATTRS: Mapping[str, str] = {
    "Rtd": "rtd",
    "Min": "min",
    "Avg": "avg",
    "Max": "max",
    "Cou": "cou",
    "ZsRtd": "zs_rtd",
    "ZsMin": "zs_min",
    "ZsAvg": "zs_avg",
    "ZsMax": "zs_max",
    "Flag": "flag",
    "EFlag": "eflag",
    "SampleTime": "sample_time",
    "Info": "info",
}
"""Per-factor field suffix (``w01018-Rtd``) → attribute of :class:`FactorValues`."""

_ATTR_SUFFIXES: Mapping[str, str] = {attr: suffix for suffix, attr in SUFFIX_ATTRS.items()}

Value = float | str | datetime


@dataclass(frozen=True)
class FactorValues:
    """What one packet says about one factor (pollutant or parameter).

    No ``slots``: the parser builds instances with :meth:`from_attrs`, which writes
    the instance dict directly and lets absent fields fall back to the class
    defaults, several times faster than the frozen ``__init__`` that sets all
    thirteen fields one by one.
    """

    rtd: float | None = None
    min: float | None = None
    avg: float | None = None
    max: float | None = None
    cou: float | None = None
    zs_rtd: float | None = None
    zs_min: float | None = None
    zs_avg: float | None = None
    zs_max: float | None = None
    flag: str | None = None
    eflag: str | None = None
    sample_time: datetime | None = None
    info: str | None = None

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Value]) -> FactorValues:
        """Build from ``{"rtd": 1.5, "flag": "N"}``; the caller guarantees the names and types."""
        instance = object.__new__(cls)
        instance.__dict__.update(attrs)
        return instance

    @classmethod
    def from_suffixes(cls, values: Mapping[str, Value]) -> FactorValues:
        """Build from ``{"Rtd": 1.5, "Flag": "N"}``; the keys must be known suffixes."""
        return cls.from_attrs({SUFFIX_ATTRS[suffix]: value for suffix, value in values.items()})

    def as_suffixes(self) -> dict[str, Value]:
        """Return the fields present, keyed by their suffix in the standard."""
        present = {_ATTR_SUFFIXES[attr]: getattr(self, attr) for attr in _ATTR_SUFFIXES}
        return {suffix: value for suffix, value in present.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Packet:
    """One valid HJ 212 packet (or several split parts put back together).

    ``values`` is keyed by HJ 212-2017 factor code (2005 codes are translated);
    ``fields`` holds the other data-area fields, such as ``RtdInterval`` or
    ``QnRtn``, as text. ``nonstandard`` lists what the packet does outside the
    standard but was accepted anyway, e.g. ``"cn:9021"`` or ``"flag:missing"``.
    Treat the mappings as read-only.
    """

    qn: str | None
    st: str
    cn: str
    pw: str
    mn: str
    flag: int | None
    pnum: int | None
    pno: int | None
    data_time: datetime | None
    values: Mapping[str, FactorValues]
    fields: Mapping[str, str]
    nonstandard: tuple[str, ...] = ()

    @property
    def reply_wanted(self) -> bool:
        """Flag bit A: the sender waits for an answer."""
        return self.flag is not None and bool(self.flag & FLAG_REPLY)

    @property
    def is_split(self) -> bool:
        """This packet is one of ``pnum`` parts (Flag bit D, or PNUM/PNO from a 2005 device)."""
        return self.pnum is not None

    @property
    def version(self) -> int:
        """Flag bits V5..V0: 1 for HJ 212-2017, 0 for HJ/T 212-2005 (also when Flag is absent)."""
        return 0 if self.flag is None else self.flag >> 2
