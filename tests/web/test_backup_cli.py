"""The backup drill: instances, evidence and audit events → ``ecoloop backup`` → wipe → ``ecoloop restore`` →
the audit chain verifies and every evidence file matches its hash; a damaged or incomplete backup is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from engine.db import make_engine, make_session_factory
from engine.evidence.filestore import LocalFileStore
from engine.evidence.models import Attachment
from engine.audit.models import AuditEvent
from engine.workflow.models import ProcessInstance
from engine.evidence import library as evidence
from tests.conftest import BACKENDS
from tests.support.actors import ENT_TIANHE
from tests.support.databases import fresh_database
from tests.support.flows import pdf_stream
from tests.support.processes_live import ECOLOOP, environment


def _ecoloop(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ECOLOOP, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return tuple(session.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[return-value]
                         for model in (ProcessInstance, AuditEvent, Attachment))
    finally:
        engine.dispose()


def _wipe(url: str, evidence_dir: Path) -> None:
    """Lose everything: the database's tables and the evidence folder."""
    shutil.rmtree(evidence_dir)
    if make_url(url).get_backend_name() == "sqlite":
        Path(str(make_url(url).database)).unlink()
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def drilled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """A demo database with uploaded evidence, backed up; yields (url, env, backup folder, counts before)."""
    tmp = tmp_path_factory.mktemp("backup")
    with fresh_database(request.param, tmp) as url:
        env = environment(url, tmp)
        assert _ecoloop(env, "demo").returncode == 0  # instances, audit events and the demo's evidence files
        engine = make_engine(url)
        store = LocalFileStore(tmp / "evidence")
        with make_session_factory(engine).begin() as session:
            for tag in ("a", "b", "c"):
                evidence.upload(session, store, ENT_TIANHE, pdf_stream(tag), f"证据-{tag}.pdf")
        engine.dispose()
        before = _counts(url)
        result = _ecoloop(env, "backup", str(tmp / "backup"))
        assert result.returncode == 0, result.stderr
        yield url, env, tmp / "backup", before


def test_a_backup_restores_after_losing_everything(drilled: tuple) -> None:
    url, env, folder, before = drilled
    evidence_dir = Path(env["ECOLOOP_EVIDENCE_DIR"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len([name for name in manifest["files"] if name.startswith("evidence/")]) >= 3

    _wipe(url, evidence_dir)
    assert _ecoloop(env, "audit", "verify").returncode != 0  # nothing left to verify against

    result = _ecoloop(env, "restore", "--yes", str(folder))
    assert result.returncode == 0, result.stderr
    assert _counts(url) == before
    verified = _ecoloop(env, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert f"{before[1]} events" in verified.stdout
    engine = make_engine(url)
    with Session(engine) as session:
        for attachment in session.scalars(select(Attachment)):
            stored = LocalFileStore(evidence_dir).path_for(attachment.sha256)
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == attachment.sha256
            assert stored.stat().st_size == attachment.size
    engine.dispose()

    # restoring over a database in use (partitioned tables included) replaces it, in one transaction
    _ecoloop(env, "demo")
    again = _ecoloop(env, "restore", "--yes", str(folder))
    assert again.returncode == 0, again.stderr
    assert _counts(url) == before
    assert _ecoloop(env, "audit", "verify").returncode == 0


@pytest.mark.parametrize("damage, named", [
    ("flip_evidence", "does not match its sha256"),
    ("drop_evidence", "is missing"),
    ("truncate_database", "does not match its sha256"),
    ("drop_manifest", "manifest.json is missing"),
    ("extra_file", "is not listed"),
])
def test_a_damaged_or_incomplete_backup_is_refused_naming_the_file(drilled: tuple, tmp_path: Path,
                                                                   damage: str, named: str) -> None:
    url, env, folder, before = drilled
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    victim = next(name for name in sorted(manifest["files"]) if name.startswith("evidence/"))
    database = manifest["database"]
    if damage == "flip_evidence":
        data = bytearray((copy / victim).read_bytes())
        data[-2] ^= 0x01
        (copy / victim).write_bytes(bytes(data))
    elif damage == "drop_evidence":
        (copy / victim).unlink()
    elif damage == "truncate_database":
        with (copy / database).open("r+b") as stream:
            stream.truncate((copy / database).stat().st_size // 2)
        victim = database
    elif damage == "drop_manifest":
        (copy / "manifest.json").unlink()
        victim = "manifest.json"
    else:
        victim = "evidence/zz/zz/extra"
        (copy / victim).parent.mkdir(parents=True)
        (copy / victim).write_bytes(b"x")

    result = _ecoloop(env, "restore", "--yes", str(copy))
    assert result.returncode == 2
    assert named in result.stderr and victim in result.stderr
    assert _counts(url) == before  # nothing was changed
