"""Put split packets (``PNUM``/``PNO``) back together, within fixed memory bounds."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import PacketRefused, Reason
from .packet import FLAG_SPLIT, FactorValues, Packet, Value

logger = logging.getLogger(__name__)

GroupKey = tuple[str, str | None, str]
"""(MN, QN, CN): the parts of one split packet share all three."""

_V = TypeVar("_V")


@dataclass(slots=True)
class _Group:
    pnum: int
    opened_at: float
    parts: dict[int, Packet] = field(default_factory=dict)


class Reassembler:
    """Collects the parts of split packets and returns each whole packet once complete.

    At most ``max_groups`` packets are pending at once (the oldest is dropped to
    make room), a group older than ``max_age`` seconds is dropped, and a packet
    may have at most ``max_parts`` parts. A part that arrives twice replaces the
    earlier copy.

    :param clock: seconds on a monotonic clock; tests pass their own.
    """

    def __init__(
        self,
        *,
        max_groups: int = 1024,
        max_age: float = 120.0,
        max_parts: int = 64,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_groups = max_groups
        self.max_age = max_age
        self.max_parts = max_parts
        self._clock = clock
        self._groups: dict[GroupKey, _Group] = {}  # oldest first

    @property
    def pending(self) -> int:
        """How many split packets wait for parts."""
        return len(self._groups)

    def add(self, packet: Packet) -> Packet | None:
        """Take a packet; return it whole, or None while parts are missing.

        :raises PacketRefused: ``bad_split`` when the parts disagree (the group is dropped).
        """
        if packet.pnum is None or packet.pno is None:
            return packet
        self._expire()
        key = (packet.mn, packet.qn, packet.cn)
        group = self._groups.get(key) or self._open(key, packet.pnum)
        if group.pnum != packet.pnum:
            del self._groups[key]
            raise PacketRefused(
                Reason.BAD_SPLIT,
                f"MN={packet.mn} QN={packet.qn}: part {packet.pno} says PNUM={packet.pnum}, "
                f"earlier parts said {group.pnum}",
            )
        group.parts[packet.pno] = packet
        if len(group.parts) < group.pnum:
            return None
        del self._groups[key]
        return combine_parts([group.parts[number] for number in sorted(group.parts)])

    def _open(self, key: GroupKey, pnum: int) -> _Group:
        if pnum > self.max_parts:
            raise PacketRefused(
                Reason.BAD_SPLIT, f"PNUM={pnum} exceeds the limit of {self.max_parts} parts"
            )
        if len(self._groups) >= self.max_groups:
            oldest = next(iter(self._groups))
            del self._groups[oldest]
            logger.warning("split packet %s dropped: more than %d pending", oldest, self.max_groups)
        group = _Group(pnum=pnum, opened_at=self._clock())
        self._groups[key] = group
        return group

    def _expire(self) -> None:
        deadline = self._clock() - self.max_age
        while self._groups:
            key, group = next(iter(self._groups.items()))
            if group.opened_at > deadline:
                return
            del self._groups[key]
            logger.info(
                "split packet %s dropped after %.0f s with %d of %d parts",
                key,
                self.max_age,
                len(group.parts),
                group.pnum,
            )


def combine_parts(parts: Sequence[Packet]) -> Packet:
    """Merge the parts of one split packet, in order, into one unsplit packet.

    :raises PacketRefused: ``bad_split`` when parts give different data times or
        give the same field twice.
    """
    first = parts[0]
    data_times = {part.data_time for part in parts if part.data_time is not None}
    if len(data_times) > 1:
        raise PacketRefused(
            Reason.BAD_SPLIT, f"MN={first.mn} QN={first.qn}: parts differ in DataTime"
        )
    values: dict[str, dict[str, Value]] = {}
    fields: dict[str, str] = {}
    for part in parts:
        for code, factor in part.values.items():
            _merge(values.setdefault(code, {}), factor.as_suffixes(), code)
        _merge(fields, part.fields, "data area")
    return Packet(
        qn=first.qn,
        st=first.st,
        cn=first.cn,
        pw=first.pw,
        mn=first.mn,
        flag=None if first.flag is None else first.flag & ~FLAG_SPLIT,
        pnum=None,
        pno=None,
        data_time=next(iter(data_times), None),
        values={code: FactorValues.from_suffixes(merged) for code, merged in values.items()},
        fields=fields,
        nonstandard=tuple(dict.fromkeys(tag for part in parts for tag in part.nonstandard)),
    )


def _merge(target: dict[str, _V], source: Mapping[str, _V], where: str) -> None:
    twice = target.keys() & source.keys()
    if twice:
        raise PacketRefused(
            Reason.BAD_SPLIT, f"{where}: {', '.join(sorted(twice))} given in more than one part"
        )
    target.update(source)
