"""Backup and restore of the database and the evidence store, checked by a manifest of sha256 sums.

A backup is a folder::

    manifest.json            format, backend, schema revision, time, and {path: {sha256, size}} of every file
    database.dump            PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot)
    database.sqlite3         SQLite: a copy through SQLite's online backup API
    evidence/ab/cd/<sha256>  every file of the evidence store

The database is copied first and the evidence after it: a file is stored before the row
that names it commits, so every file the copied rows name is in the copy. Restoring
first checks every file against the manifest (and every evidence file against its own
name) and refuses, naming the file, before anything is changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from engine.errors import EcoLoopError

FORMAT = 1
MANIFEST = "manifest.json"
EVIDENCE = "evidence"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
CHUNK = 1024 * 1024


class BackupError(EcoLoopError):
    """A backup cannot be written, or a backup is damaged, incomplete or for another kind of database."""


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    backend: str
    files: int
    evidence_files: int
    bytes: int


def backup(database_url: str, evidence_dir: Path, dest: Path) -> BackupSummary:
    """Write a backup into ``dest`` (which must not exist or be empty).

    :raises BackupError: when ``dest`` holds files, or ``pg_dump`` fails.
    """
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty; back up into a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    url = make_url(database_url)
    backend = _backend(url)
    database_file = PG_DUMP if backend == "postgresql" else SQLITE_COPY
    if backend == "postgresql":
        _pg_dump(url, dest / database_file)
    else:
        _sqlite_copy(_sqlite_path(url), dest / database_file)
    copied = _copy_evidence(evidence_dir, dest / EVIDENCE)
    files = {database_file: _describe(dest / database_file)}
    files.update({f"{EVIDENCE}/{name}": _describe(dest / EVIDENCE / name) for name in copied})
    manifest = {"format": FORMAT, "backend": backend, "database": database_file,
                "schema_revision": _schema_revision(database_url),
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "files": files}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return BackupSummary(dest, backend, len(files), len(copied), sum(int(f["size"]) for f in files.values()))


def verify(src: Path) -> dict[str, object]:
    """Check a backup against its manifest; returns the manifest.

    :raises BackupError: naming the first missing, altered, unlisted or misnamed file.
    """
    manifest = _read_manifest(src)
    files = manifest["files"]
    assert isinstance(files, dict)
    for name, expected in sorted(files.items()):
        path = src / name
        if not path.is_file():
            raise BackupError(f"backup is incomplete: {name} is missing")
        actual = _describe(path)
        if actual != expected:
            raise BackupError(f"backup is damaged: {name} does not match its sha256 in {MANIFEST}")
        if name.startswith(f"{EVIDENCE}/") and Path(name).name != actual["sha256"]:
            raise BackupError(f"backup is damaged: {name} is not named by its own sha256")
    if manifest.get("database") not in files:
        raise BackupError(f"backup is incomplete: {MANIFEST} lists no database copy")
    for path in _files_below(src):
        if path not in files and path != MANIFEST:
            raise BackupError(f"backup is damaged: {path} is not listed in {MANIFEST}")
    return manifest


def restore(src: Path, database_url: str, evidence_dir: Path) -> BackupSummary:
    """Check the backup, then replace the database with its copy and put every evidence file back.

    :raises BackupError: when the backup does not verify, is for the other backend, or the restore fails.
    """
    manifest = verify(src)
    url = make_url(database_url)
    backend = _backend(url)
    if manifest["backend"] != backend:
        raise BackupError(f"the backup is of a {manifest['backend']} database; the target is {backend}")
    database_file = src / str(manifest["database"])
    if backend == "postgresql":
        _pg_restore(url, database_file)
    else:
        _sqlite_copy(database_file, _sqlite_path(url))
    restored = _restore_evidence(src / EVIDENCE, evidence_dir)
    files = manifest["files"]
    assert isinstance(files, dict)
    return BackupSummary(src, backend, len(files), restored, sum(int(f["size"]) for f in files.values()))


def _backend(url: URL) -> str:
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return "sqlite"
    raise BackupError(f"cannot back up a {url.get_backend_name()} database at {url.render_as_string()}")


def _sqlite_path(url: URL) -> Path:
    return Path(str(url.database))


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with SQLite's online backup API: consistent even while others write to ``source``."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as reader, sqlite3.connect(target) as writer:
        reader.backup(writer)
    reader.close()
    writer.close()


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore, the password in the environment rather than the command line."""
    options = [f"--dbname={url.database}"]
    if url.host:
        options.append(f"--host={url.host}")
    if url.port:
        options.append(f"--port={url.port}")
    if url.username:
        options.append(f"--username={url.username}")
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return options, env


def _pg_dump(url: URL, target: Path) -> None:
    options, env = _libpq(url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", *options], env)


def _pg_restore(url: URL, dump: Path) -> None:
    """Replace the database's ``public`` schema with the dump's, in one transaction.

    ``pg_restore --clean`` cannot drop the partitions of partitioned tables (their keys are inherited), so
    the dump is turned into SQL and run by ``psql`` after dropping the schema, all in a single transaction:
    when any statement fails, nothing has changed.
    """
    options, env = _libpq(url)
    try:
        with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as runner_errors:
            script = subprocess.Popen(["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump)],
                                      stdout=subprocess.PIPE, stderr=script_errors, env=env)
            runner = subprocess.Popen(["psql", "--quiet", "--no-psqlrc", "--single-transaction", "-v",
                                       "ON_ERROR_STOP=1", "--output=/dev/null", *options],
                                      stdin=subprocess.PIPE, stderr=runner_errors, env=env)
            _feed(script, runner)
            failed = [(name, errors) for name, process, errors in (("pg_restore", script, script_errors),
                                                                    ("psql", runner, runner_errors))
                      if process.wait() != 0]
            if failed:
                name, errors = failed[0]
                errors.seek(0)
                text = errors.read().decode(errors="replace").strip()[-2000:]
                raise BackupError(f"{name} failed, the database is unchanged: {text}")
    except FileNotFoundError as exc:
        raise BackupError(f"{exc.filename} is not installed (Debian: apt-get install postgresql-client)") from None


def _feed(script: subprocess.Popen[bytes], runner: subprocess.Popen[bytes]) -> None:
    """Send the schema's replacement, then the dump's SQL, to psql (stops early if psql gave up)."""
    assert script.stdout is not None and runner.stdin is not None
    try:
        runner.stdin.write(b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
        shutil.copyfileobj(script.stdout, runner.stdin, CHUNK)
    except BrokenPipeError:
        script.kill()
    finally:
        try:
            runner.stdin.close()
        except BrokenPipeError:
            pass


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _schema_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _evidence_names(root: Path) -> Iterator[str]:
    """Stored files as ``ab/cd/<sha256>`` (the store's temporary folder is left out)."""
    if not root.is_dir():
        return
    for path in sorted(root.glob("??/??/*")):
        if path.is_file():
            yield path.relative_to(root).as_posix()


def _copy_evidence(root: Path, target: Path) -> list[str]:
    names = list(_evidence_names(root))
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / name, target / name)
    return names


def _restore_evidence(source: Path, root: Path) -> int:
    """Put back every file (atomically, through a temporary name); an identical file already there is kept."""
    count = 0
    for name in _evidence_names(source):
        final = root / name
        count += 1
        if final.is_file() and _describe(final)["sha256"] == Path(name).name:
            continue
        final.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=final.parent, prefix=".restore-")
        os.close(handle)
        shutil.copyfile(source / name, temp)
        os.replace(temp, final)
    return count


def _files_below(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix()


def _describe(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def _read_manifest(src: Path) -> dict[str, object]:
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"backup is incomplete: {path} is missing")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"backup is damaged: {path} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"backup is damaged: {path} is not an EcoLoop backup manifest of format {FORMAT}")
    return manifest
