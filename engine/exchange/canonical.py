"""The canonical JSON form of exchanged records, their batch checksum and each record's digest.

Both sides compute the batch checksum the same way: SHA-256 (hex) of the UTF-8 bytes of the records list as
JSON with sorted keys, no whitespace (``separators=(",", ":")``) and non-ASCII characters kept as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def canonical(value: Any) -> str:
    """The canonical JSON text of a value (dates ISO 8601, decimals as plain strings)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)


def checksum(records: Sequence[Mapping[str, Any]]) -> str:
    """The checksum a batch of these records must carry."""
    return checksum_of(texts(records))


def texts(records: Sequence[Any]) -> list[str]:
    """Each record's canonical text; the list's canonical text is ``[`` + these joined by ``,`` + ``]``."""
    return [canonical(record) for record in records]


def checksum_of(record_texts: Sequence[str]) -> str:
    """The batch checksum from its records' canonical texts (each record is serialised once)."""
    return hashlib.sha256(f"[{','.join(record_texts)}]".encode("utf-8")).hexdigest()


def digest_of(text: str) -> str:
    """The digest of a record from its canonical text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def as_json(record: Mapping[str, Any]) -> dict[str, Any]:
    """A loaded record (dates, decimals) as plain JSON values."""
    loaded: dict[str, Any] = json.loads(canonical(record))
    return loaded


def digest(record: Mapping[str, Any]) -> str:
    """The digest of one record's content, to tell a resend from a correction."""
    return digest_of(canonical(record))
