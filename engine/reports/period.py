"""A report period: a calendar month (``2026-11``) or year (``2026``) in China Standard Time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from engine.errors import InvalidInput

CHINA = timezone(timedelta(hours=8))
_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None  # None: the whole year

    @classmethod
    def parse(cls, text: str) -> Period:
        """``YYYY-MM`` or ``YYYY``.

        :raises InvalidInput: naming the field ``period`` for anything else.
        """
        match = _PATTERN.match((text or "").strip())
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            raise InvalidInput("period: 报告期应为 YYYY-MM 或 YYYY (expected YYYY-MM or YYYY)")
        month = int(match.group(2)) if match.group(2) else None
        if month is not None and not 1 <= month <= 12:
            raise InvalidInput("period: 月份应在 01–12 之间 (month must be 01-12)")
        return cls(int(match.group(1)), month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month or 1, 1, tzinfo=CHINA)

    @property
    def end(self) -> datetime:
        if self.month is None:
            return datetime(self.year + 1, 1, 1, tzinfo=CHINA)
        return datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=CHINA)

    def months(self) -> list[date]:
        """The months the period covers."""
        if self.month is not None:
            return [date(self.year, self.month, 1)]
        return [date(self.year, m, 1) for m in range(1, 13)]

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"
