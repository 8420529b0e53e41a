"""Evidence files in an S3-compatible object store: a :class:`~engine.evidence.filestore.FileStore` for several nodes.

Government clouds offer S3-compatible object storage; with ``ECOLOOP_EVIDENCE_STORE=s3``
every web node keeps evidence in one bucket instead of a local directory. Settings
(``ECOLOOP_S3_*``): ``ENDPOINT`` (the service's URL, e.g. ``https://obs.example.gov.cn``),
``BUCKET`` (must exist), ``ACCESS_KEY`` and ``SECRET_KEY`` (a key pair that may read, write
and delete in the bucket; put them in the settings file or the environment, never in code),
``REGION`` (``us-east-1`` unless the service asks for another), ``PREFIX`` (key prefix,
default ``evidence/``), ``TIMEOUT`` (seconds per call, 30).

Objects are named like the local store's files, ``<prefix>ab/cd/<sha256>``, so the same
content is kept once. An upload is spooled to a temporary file first (hashing it and
stopping at the size limit), checked by content type exactly as the local store does, and
only then sent; a reader therefore never sees an object that was not checked.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from engine.config import PREFIX, ConfigError
from engine.errors import AttachmentNotFound, FileTooLarge, InvalidFile, StorageUnavailable
from engine.evidence.filestore import CHUNK_BYTES, DEFAULT_MAX_BYTES, StoredFile, safe_display_name
from engine.evidence.filetypes import describe_size, detect

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MISSING = {"404", "NoSuchKey", "NotFound"}
_READ_IN_MEMORY = 1024 * 1024  # a download larger than this is spooled to disk


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    bucket: str
    access_key: str
    secret_key: str = field(repr=False)
    region: str = "us-east-1"
    prefix: str = "evidence/"
    timeout: float = 30.0

    @classmethod
    def from_mapping(cls, raw: Mapping[str, str]) -> S3Settings:
        """Read ``S3_*`` keys (without the ``ECOLOOP_`` prefix).

        :raises ConfigError: naming each required key that is missing, or a timeout that is not a number.
        """
        required = ("S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY")
        missing = [PREFIX + key for key in required if not raw.get(key, "").strip()]
        if missing:
            raise ConfigError(f"ECOLOOP_EVIDENCE_STORE=s3 needs {', '.join(missing)}")
        try:
            timeout = float(raw.get("S3_TIMEOUT", "") or 30)
        except ValueError:
            raise ConfigError(f"{PREFIX}S3_TIMEOUT must be a number of seconds") from None
        return cls(endpoint=raw["S3_ENDPOINT"].strip(), bucket=raw["S3_BUCKET"].strip(),
                   access_key=raw["S3_ACCESS_KEY"].strip(), secret_key=raw["S3_SECRET_KEY"].strip(),
                   region=raw.get("S3_REGION", "").strip() or "us-east-1",
                   prefix=raw.get("S3_PREFIX", "evidence/"), timeout=timeout)


class S3FileStore:
    """A ``FileStore`` in one bucket of an S3-compatible service."""

    def __init__(self, settings: S3Settings, max_bytes: int = DEFAULT_MAX_BYTES, client: Any = None) -> None:
        self.settings = settings
        self.max_bytes = max_bytes
        self._client = client or boto3.client(
            "s3", endpoint_url=settings.endpoint, region_name=settings.region,
            aws_access_key_id=settings.access_key, aws_secret_access_key=settings.secret_key,
            config=Config(connect_timeout=settings.timeout, read_timeout=settings.timeout,
                          retries={"max_attempts": 3, "mode": "standard"}, s3={"addressing_style": "path"}),
        )

    def put(self, stream: IO[bytes], declared_name: str) -> StoredFile:
        """Check and store the content of ``stream``; storing it twice keeps one object.

        :raises FileTooLarge: the content is larger than ``max_bytes``.
        :raises InvalidFile: the content is not of an accepted type.
        :raises StorageUnavailable: the object store did not answer or refused the write.
        """
        name = safe_display_name(declared_name)
        with tempfile.TemporaryDirectory(prefix="ecoloop-s3-") as folder:
            spool = Path(folder) / "upload"
            try:
                with spool.open("wb") as out:
                    sha256, size = self._spool(stream, out)
                kind = detect(spool, self.max_bytes)
            except InvalidFile as exc:
                logger.info("refused upload %r: %s", name, exc.message)
                raise type(exc)(f"{name}: {exc.message}", details={**exc.details, "name": name}) from exc
            if not self.exists(sha256):
                self._call("store", sha256, lambda: self._client.upload_file(
                    str(spool), self.settings.bucket, self._key(sha256),
                    ExtraArgs={"ContentType": kind.media_type}))
        logger.info("stored object %s (%d bytes, %s)", sha256, size, kind.media_type)
        return StoredFile(sha256=sha256, size=size, media_type=kind.media_type, extension=kind.extension)

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, read into a spooled temporary file (so the caller may seek and close it).

        :raises AttachmentNotFound: ``sha256`` is malformed or nothing is stored under it.
        :raises StorageUnavailable: the object store did not answer.
        """
        key = self._key(sha256)
        copy = tempfile.SpooledTemporaryFile(max_size=_READ_IN_MEMORY)
        try:
            self._call("read", sha256, lambda: self._client.download_fileobj(self.settings.bucket, key, copy))
        except BaseException:
            copy.close()
            raise
        copy.seek(0)
        return copy  # type: ignore[return-value]  # SpooledTemporaryFile reads and seeks like a binary file

    def exists(self, sha256: str) -> bool:
        """Whether an object is stored under ``sha256`` (a malformed id is simply absent).

        :raises StorageUnavailable: the object store did not answer.
        """
        if not _SHA256.fullmatch(sha256):
            return False
        try:
            self._call("look up", sha256, lambda: self._client.head_object(Bucket=self.settings.bucket,
                                                                          Key=self._key(sha256)))
        except AttachmentNotFound:
            return False
        return True

    def delete(self, sha256: str) -> None:
        """Remove a stored object; deleting one that is gone is not an error (S3 answers the same).

        :raises AttachmentNotFound: ``sha256`` is malformed.
        :raises StorageUnavailable: the object store did not answer.
        """
        key = self._key(sha256)
        self._call("delete", sha256, lambda: self._client.delete_object(Bucket=self.settings.bucket, Key=key))
        logger.info("deleted stored object %s", sha256)

    def _spool(self, stream: IO[bytes], out: BinaryIO) -> tuple[str, int]:
        """Copy ``stream`` chunk by chunk, stopping as soon as it is too large."""
        digest = hashlib.sha256()
        size = 0
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            if size > self.max_bytes:
                raise FileTooLarge(f"the file is larger than {describe_size(self.max_bytes)}, the largest accepted")
            digest.update(chunk)
            out.write(chunk)
        return digest.hexdigest(), size

    def _key(self, sha256: str) -> str:
        if not _SHA256.fullmatch(sha256):
            raise _not_found(sha256)
        return f"{self.settings.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _call(self, what: str, sha256: str, call: Any) -> Any:
        """Run one client call, telling a missing object from a store that cannot be used."""
        try:
            return call()
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise _not_found(sha256) from None
            logger.warning("object store refused to %s %s: %s", what, sha256, code)
            raise StorageUnavailable(f"证明材料存储暂不可用 (the evidence store refused to {what}: {code})") from None
        except BotoCoreError as exc:
            logger.warning("object store unreachable (%s %s): %s", what, sha256, exc)
            raise StorageUnavailable("证明材料存储暂不可用 (the evidence store does not answer)") from None


def _not_found(sha256: str) -> AttachmentNotFound:
    """The same error whether the id is malformed or nothing is stored under it (as the local store says)."""
    return AttachmentNotFound(f"no stored file has the id {sha256[:80]!r}")
