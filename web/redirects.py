"""Redirect targets taken from a request (``next``, the referrer) are checked here before they reach a header.

Only a path on this site is followed: it starts with one ``/`` (not ``//`` nor
``/\\``, which browsers read as another host), names no scheme or host, and
holds no control characters or spaces (a CR/LF would split the response
header). Anything else falls back to the page the caller names.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

MAX_TARGET = 2_000


def safe_target(target: object) -> str | None:
    """``target`` if it is a same-origin path that is safe in a ``Location`` header, else None."""
    if not isinstance(target, str) or not 0 < len(target) <= MAX_TARGET:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def same_site_referrer() -> str | None:
    """The path of the referring page when it is on this site and safe, for "back to where you were"."""
    referrer = request.referrer or ""
    if not referrer.startswith(request.host_url):
        return None
    return safe_target("/" + referrer[len(request.host_url):])
