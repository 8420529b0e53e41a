"""Data-logger passwords (HJ 212 ``PW``): stored as salted PBKDF2, checked once per password and hash.

Loggers send the password in clear in every packet, so what matters is that
the database does not hold it; a verified (hash, password) pair is remembered in
memory, so the per-packet cost is a dictionary look-up, not a key derivation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 10_000
_CACHE_LIMIT = 100_000


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<digest>`` (base64 without padding)."""
    salt = salt if salt is not None else os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def verify_password(stored: str, password: str) -> bool:
    """Check a password against a stored hash (constant-time comparison); a malformed hash never matches."""
    try:
        algorithm, iterations, salt, digest = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        expected = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, _unb64(digest))


class VerifiedPasswords:
    """Remembers which (stored hash, password) pairs verified, so each pair is derived once."""

    def __init__(self, limit: int = _CACHE_LIMIT) -> None:
        self._limit = limit
        self._known: dict[tuple[str, str], bool] = {}
        self._lock = threading.Lock()

    def check(self, stored: str, password: str) -> bool:
        key = (stored, password)
        known = self._known.get(key)
        if known is not None:
            return known
        result = verify_password(stored, password)
        with self._lock:
            if len(self._known) >= self._limit:
                self._known.clear()
            self._known[key] = result
        return result
