"""Checks on the values of an account before it is written to the directory.

Logins are limited to ASCII because group membership is kept in ``memberUid``,
an IA5 (ASCII) string; a credit code such as ``91440300568520498A`` fits.
Region and credit codes are only checked for presence: the engine validates
their content.
"""

from __future__ import annotations

import re
import unicodedata

LOGIN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
LOGIN_RULE = (
    "must be 1 to 64 ASCII letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
)


def new_user_problems(
    login: str,
    display_name: str,
    password: str,
    region_code: str,
    credit_code: str | None,
) -> dict[str, list[str]]:
    """Field name → what is wrong with it; empty when the account may be created."""
    problems: dict[str, list[str]] = {}
    if not LOGIN_PATTERN.fullmatch(login):
        problems["login"] = [LOGIN_RULE]
    texts = {"display_name": display_name, "region_code": region_code, "credit_code": credit_code}
    for field, value in texts.items():
        if value is None:
            continue
        problem = _text_problem(value)
        if problem:
            problems[field] = [problem]
    if not password.strip():
        problems["password"] = ["must not be empty"]
    return problems


def _text_problem(value: str) -> str | None:
    if not value.strip():
        return "must not be empty"
    if value != value.strip():
        return "must not start or end with spaces"
    if any(unicodedata.category(character) == "Cc" for character in value):
        return "must not contain control characters"
    return None
