"""Content-addressed storage of evidence files.

A file is stored under its SHA-256 as ``root/ab/cd/<sha256>``, so the same
content is kept once and a stored name is never derived from user input. The
rows that link files to tasks live in the database; this module only keeps the
bytes and decides which uploads are acceptable (see ``engine.evidence.filetypes``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol

from engine.errors import AttachmentNotFound, FileTooLarge, InvalidFile
from engine.evidence.filetypes import describe_size, detect

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
MAX_DISPLAY_NAME = 120
UNNAMED = "unnamed"

_TEMP_DIR = "tmp"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PATH_SEPARATORS = re.compile(r"[\\/]")
_RESERVED_CHARS = re.compile(r'[<>:"|?*]')
_EDGE_JUNK = re.compile(r"^[\s.]+|[\s.]+$")
_MAX_KEPT_SUFFIX = 16


@dataclass(frozen=True)
class StoredFile:
    """What was stored: the content's id, its size and its type told from the content."""

    sha256: str
    size: int
    media_type: str
    extension: str


class FileStore(Protocol):
    """Where evidence files are kept; ``engine`` depends on this, not on a disk."""

    def put(self, stream: IO[bytes], declared_name: str) -> StoredFile: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...


class LocalFileStore:
    """A ``FileStore`` on the local file system, below ``root``."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root.resolve()
        self.max_bytes = max_bytes

    def put(self, stream: IO[bytes], declared_name: str) -> StoredFile:
        """Check and store the content of ``stream``; storing it twice keeps one file.

        :param declared_name: used only to name the file in error messages.
        :raises FileTooLarge: the content is larger than ``max_bytes``.
        :raises InvalidFile: the content is not of an accepted type.
        """
        name = safe_display_name(declared_name)
        temp_dir = self.root / _TEMP_DIR
        temp_dir.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=temp_dir, prefix="upload-")
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as spool:
                sha256, size = self._spool(stream, spool)
            kind = detect(temp, self.max_bytes)
            self._place(temp, sha256)
        except InvalidFile as exc:
            logger.info("refused upload %r: %s", name, exc.message)
            raise type(exc)(f"{name}: {exc.message}", details={**exc.details, "name": name}) from exc
        finally:
            temp.unlink(missing_ok=True)
        logger.info("stored file %s (%d bytes, %s)", sha256, size, kind.media_type)
        return StoredFile(sha256=sha256, size=size, media_type=kind.media_type, extension=kind.extension)

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored file for reading.

        :raises AttachmentNotFound: ``sha256`` is malformed or nothing is stored under it.
        """
        path = self.path_for(sha256)
        try:
            return path.open("rb")
        except FileNotFoundError as exc:  # deleted since path_for looked
            raise _not_found(sha256) from exc

    def path_for(self, sha256: str) -> Path:
        """The path of a stored file, for serving it straight from disk.

        :raises AttachmentNotFound: ``sha256`` is malformed or nothing is stored under it.
        """
        path = self._location(sha256)
        if not path.is_file():
            raise _not_found(sha256)
        return path

    def exists(self, sha256: str) -> bool:
        """Whether a file is stored under ``sha256`` (a malformed id is simply absent)."""
        try:
            return self._location(sha256).is_file()
        except AttachmentNotFound:
            return False

    def delete(self, sha256: str) -> None:
        """Remove a stored file.

        Deleting a file that is already gone is not an error, so a retention run
        that stopped half-way can simply run again.

        :raises AttachmentNotFound: ``sha256`` is malformed.
        """
        self._location(sha256).unlink(missing_ok=True)
        logger.info("deleted stored file %s", sha256)

    def _spool(self, stream: IO[bytes], spool: BinaryIO) -> tuple[str, int]:
        """Copy ``stream`` chunk by chunk, stopping as soon as it is too large."""
        digest = hashlib.sha256()
        size = 0
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            if size > self.max_bytes:
                raise FileTooLarge(
                    f"the file is larger than {describe_size(self.max_bytes)}, the largest accepted"
                )
            digest.update(chunk)
            spool.write(chunk)
        spool.flush()
        os.fsync(spool.fileno())
        return digest.hexdigest(), size

    def _place(self, temp: Path, sha256: str) -> None:
        """Move the checked file into place atomically, unless the content is already there.

        Two uploads of the same content may both replace: they write identical
        bytes, and ``os.replace`` means a reader never sees a partial file.
        """
        final = self._location(sha256)
        if final.is_file():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)

    def _location(self, sha256: str) -> Path:
        """Where ``sha256`` is (or would be) stored; never outside ``root``."""
        if not _SHA256.fullmatch(sha256):
            raise _not_found(sha256)
        path = self.root / sha256[:2] / sha256[2:4] / sha256
        if not path.resolve().is_relative_to(self.root):
            raise _not_found(sha256)
        return path


def _not_found(sha256: str) -> AttachmentNotFound:
    """The same error whether the id is malformed, missing or points outside the store."""
    return AttachmentNotFound(f"no stored file has the id {sha256[:80]!r}")


def safe_display_name(name: str) -> str:
    """Make a declared file name safe to show and offer for download.

    Keeps only the last path component, drops control and format characters
    (including bidi overrides that disguise ``.exe`` as ``.pdf``), replaces
    characters Windows forbids, and shortens long names keeping the extension.
    Any script, Chinese included, is kept.
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join(char for char in text if not unicodedata.category(char).startswith("C"))
    parts = [_EDGE_JUNK.sub("", part) for part in _PATH_SEPARATORS.split(text)]
    base = _RESERVED_CHARS.sub("_", next((part for part in reversed(parts) if part), ""))
    return _shorten(base) or UNNAMED


def _shorten(name: str) -> str:
    if len(name) <= MAX_DISPLAY_NAME:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > _MAX_KEPT_SUFFIX:
        return name[:MAX_DISPLAY_NAME]
    return f"{stem[: MAX_DISPLAY_NAME - len(suffix) - 1]}.{suffix}"
