"""Filters keep user input literal whatever characters it holds."""

from __future__ import annotations

import pytest

from integrations.ldap.filters import all_of
from integrations.ldap.filters import any_of
from integrations.ldap.filters import contains
from integrations.ldap.filters import equal
from integrations.ldap.filters import has_filter_characters


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("*", "(uid=\\2a)"),
        ("*)(uid=*", "(uid=\\2a\\29\\28uid=\\2a)"),
        ("admin)(|(uid=*", "(uid=admin\\29\\28|\\28uid=\\2a)"),
        ("a\x00b", "(uid=a\\00b)"),
        ("back\\slash", "(uid=back\\5cslash)"),
        ("刘洋", "(uid=刘洋)"),
    ],
)
def test_equal_escapes_every_special_character(value: str, escaped: str) -> None:
    assert equal("uid", value) == escaped


def test_contains_wraps_the_escaped_value_in_wildcards() -> None:
    assert contains("cn", "a*b") == "(cn=*a\\2ab*)"


def test_combinators_nest_filters() -> None:
    assert all_of(["(a=1)", any_of(["(b=2)", "(c=3)"])]) == "(&(a=1)(|(b=2)(c=3)))"


@pytest.mark.parametrize(
    ("value", "special"), [("province", False), ("prov*", True), ("a\\b", True)]
)
def test_has_filter_characters(value: str, special: bool) -> None:
    assert has_filter_characters(value) is special
