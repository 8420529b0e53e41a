"""Timing one step of a benchmark: its wall time, kept under a label and printed as it ends."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(label: str, results: dict[str, float], action: Callable[[], T]) -> T:
    """Run ``action``; store its wall time in seconds (two decimals) under ``label`` and print it to stderr."""
    started = time.perf_counter()
    value = action()
    results[label] = round(time.perf_counter() - started, 2)
    print(f"{label}: {results[label]:.2f} s", file=sys.stderr)
    return value
