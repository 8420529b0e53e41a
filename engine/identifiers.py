"""Checks of the identifiers EcoLoop accepts: GB/T 2260 region codes and GB 32100 credit codes."""

from __future__ import annotations

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from engine import regions


def valid_region(code: object) -> bool:
    """A six-digit Guangdong division code present in the region table."""
    return isinstance(code, str) and regions.region_tree().is_valid_guangdong_code(code)


def valid_credit_code(code: object) -> bool:
    """An 18-character unified social credit code whose check character is right."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    try:
        uscc.validate(code)
    except ValidationError:
        return False
    return True
