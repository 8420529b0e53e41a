"""Back-filling from CSV (``ecoloop import-csv``): one row per factor value, grouped into records.

Columns (header row required, names case-insensitive): ``mn``, ``data_time``,
``factor``, optional ``cn`` (default 2061) and the value columns ``rtd``,
``avg``, ``min``, ``max``, ``cou``, ``zs_rtd``, ``zs_avg``, ``zs_min``,
``zs_max``, ``flag``. ``data_time`` is ``YYYY-MM-DD HH:MM[:SS]`` or
``YYYYMMDDhhmmss`` in China Standard Time, or ISO 8601 with an offset.
Rows of the same MN, CN and data time form one record. Bad rows are reported
by line number and skipped; the others are imported.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from engine.monitoring.codes import DATA_COMMANDS, HOURLY
from engine.monitoring.records import MeasurementRecord

CHINA = timezone(timedelta(hours=8))
NUMBER_COLUMNS = ("rtd", "avg", "min", "max", "cou", "zs_rtd", "zs_avg", "zs_min", "zs_max")
REQUIRED = ("mn", "data_time", "factor")


@dataclass
class CsvBatch:
    records: list[MeasurementRecord] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_time(text: str) -> datetime:
    """:raises ValueError: text that is none of the accepted forms."""
    text = text.strip()
    if len(text) == 14 and text.isdigit():
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=CHINA)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA)


def read_csv(lines: Iterable[str]) -> CsvBatch:
    """Read every row; returns the records in first-seen order and the errors by line number."""
    batch = CsvBatch()
    reader = csv.DictReader(lines)
    names = {name.strip().lower(): name for name in reader.fieldnames or []}
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        batch.errors.append((1, f"header lacks column(s) {', '.join(missing)}"))
        return batch
    groups: dict[tuple[str, str, datetime], dict[str, dict[str, float | str]]] = {}
    for line_number, raw in enumerate(reader, start=2):
        row = {key: (raw.get(original) or "").strip() for key, original in names.items()}
        try:
            key, factor, values = _row(row)
        except ValueError as exc:
            batch.errors.append((line_number, str(exc)))
            continue
        factors = groups.setdefault(key, {})
        if factor in factors:
            batch.errors.append((line_number, f"factor {factor} given twice for {key[0]} at {key[2].isoformat()}"))
            continue
        factors[factor] = values
    batch.records = [MeasurementRecord(mn, cn, moment, factors) for (mn, cn, moment), factors in groups.items()]
    return batch


def _row(row: dict[str, str]) -> tuple[tuple[str, str, datetime], str, dict[str, float | str]]:
    mn, factor, cn = row["mn"], row["factor"], row.get("cn") or HOURLY
    if not mn or not factor:
        raise ValueError("mn and factor must not be empty")
    if cn not in DATA_COMMANDS:
        raise ValueError(f"cn {cn!r} is not a data command (2011, 2051, 2061, 2031)")
    try:
        moment = parse_time(row["data_time"])
    except ValueError:
        raise ValueError(f"data_time {row['data_time']!r} is not a time") from None
    values: dict[str, float | str] = {}
    for name in NUMBER_COLUMNS:
        text = row.get(name, "")
        if text:
            try:
                number = float(text)
            except ValueError:
                raise ValueError(f"{name} {text!r} is not a number") from None
            if not math.isfinite(number):
                raise ValueError(f"{name} {text!r} is not a finite number")
            values[name] = number
    if row.get("flag"):
        values["flag"] = row["flag"]
    if not any(name in values for name in NUMBER_COLUMNS):
        raise ValueError(f"no value for factor {factor}")
    return (mn, cn, moment), factor, values


def chunks(records: list[MeasurementRecord], size: int) -> Iterator[list[MeasurementRecord]]:
    for offset in range(0, len(records), size):
        yield records[offset:offset + size]
