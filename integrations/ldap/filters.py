"""LDAP search filters built only from escaped values (RFC 4515).

Attribute names come from settings, never from users; every value goes through
``escape_filter_chars``, so ``*)(uid=*`` is searched for literally.
"""

from __future__ import annotations

from collections.abc import Iterable

from ldap3.utils.conv import escape_filter_chars

FILTER_CHARACTERS = frozenset("*()\\\x00")


def equal(attribute: str, value: str) -> str:
    return f"({attribute}={escape_filter_chars(value)})"


def contains(attribute: str, value: str) -> str:
    return f"({attribute}=*{escape_filter_chars(value)}*)"


def any_of(filters: Iterable[str]) -> str:
    return "(|" + "".join(filters) + ")"


def all_of(filters: Iterable[str]) -> str:
    return "(&" + "".join(filters) + ")"


def has_filter_characters(value: str) -> bool:
    """Whether ``value`` holds characters that would change an unescaped filter."""
    return not FILTER_CHARACTERS.isdisjoint(value)
