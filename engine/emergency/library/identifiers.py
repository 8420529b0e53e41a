"""Identifiers the libraries check: CAS registry numbers, UN numbers and document numbers (文号)."""

from __future__ import annotations

import re

CAS_PATTERN = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")
UN_PATTERN = re.compile(r"^(?:UN\s?)?(\d{4})$", re.IGNORECASE)
BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕", "（": "〔", "）": "〕"})
ISSUED_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,12}〔(\d{4})〕\d{1,4}号$")
ORDER_NUMBER = re.compile(r"^[\u4e00-\u9fff]{2,20}令第[0-9一二三四五六七八九十百零〇]{1,6}号$")
ANNOUNCEMENT = re.compile(r"^[\u4e00-\u9fff]{2,20}公告\s?(\d{4})年第\d{1,3}号$")
STANDARD = re.compile(r"^(GB|HJ|GB/T|HJ/T|GBZ|DB\d{2}|DB\d{2}/T)\s?\d{1,6}(\.\d{1,2})?-(\d{4})$")


def cas_check_digit(body: str) -> int:
    """The check digit of a CAS number's digits before it: each digit times its position from the right, mod 10."""
    digits = [int(char) for char in body if char.isdigit()]
    return sum(position * digit for position, digit in enumerate(reversed(digits), start=1)) % 10


def valid_cas(value: str) -> bool:
    """Whether ``value`` is a CAS registry number (e.g. 7782-50-5) whose check digit is right."""
    match = CAS_PATTERN.match(value.strip())
    if match is None:
        return False
    return cas_check_digit(match.group(1) + match.group(2)) == int(match.group(3))


def normal_un(value: str) -> str | None:
    """A UN number as four digits (``UN1017`` → ``1017``), or None when it is not one."""
    match = UN_PATTERN.match(value.strip())
    return match.group(1) if match else None


def normal_document_number(value: str) -> str:
    """A document number with the official brackets 〔〕 and no spaces (环发[2015]4号 → 环发〔2015〕4号)."""
    text = value.strip()
    return text if STANDARD.match(text) else text.replace(" ", "").translate(BRACKETS)


def document_number_problem(value: str, latest_year: int) -> str | None:
    """Why ``value`` is no document number, or None: 〔year〕 numbers, 令第N号, 公告, or a standard code."""
    text = normal_document_number(value)
    for pattern in (ISSUED_NUMBER, ANNOUNCEMENT, STANDARD):
        match = pattern.match(text)
        if match:
            year = int(match.group(match.lastindex or 1) if pattern is STANDARD else match.group(1))
            if not 1949 <= year <= latest_year:
                return f"文号年份 {year} 不在 1949–{latest_year} (year out of range)"
            return None
    if ORDER_NUMBER.match(text):
        return None
    return f"{value!r} 不是有效的文号，例如 环发〔2015〕4号、环境保护部令第34号、HJ 941-2018 (not a document number)"
