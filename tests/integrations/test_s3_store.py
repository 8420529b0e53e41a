"""Evidence in an S3-compatible object store (#20 item 3), against a real S3 server (moto's, on a loopback port).

The server is ``python -m moto.server`` in its own process, started by the fixture on a free
port and ended by its PID; the store talks to it over HTTP with boto3 as it would to a
government cloud's object storage.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from engine.config import ConfigError, load_settings
from engine.demo.bootstrap import seed
from engine.errors import AttachmentNotFound, FileTooLarge, InvalidFile, StorageUnavailable
from engine.evidence.filestore import LocalFileStore
from integrations.s3_store import S3FileStore, S3Settings
from tests.conftest import BACKENDS
from tests.support.databases import fresh_database
from tests.support.flows import PDF
from tests.support.processes_live import ECOLOOP, environment, free_port
from tests.web.api.conftest import TIANHE, login, make_app
from web import file_store

BUCKET = "ecoloop-evidence"
KEYS = {"S3_ACCESS_KEY": "ecoloop-test", "S3_SECRET_KEY": "ecoloop-test-secret", "S3_REGION": "cn-south-1"}


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                requests.get(f"{endpoint}/moto-api/", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "moto did not start in 60 s"
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _raw(endpoint: str) -> Any:
    """A plain boto3 client, to look at the bucket behind the store's back."""
    return boto3.client("s3", endpoint_url=endpoint, region_name=KEYS["S3_REGION"],
                        aws_access_key_id=KEYS["S3_ACCESS_KEY"], aws_secret_access_key=KEYS["S3_SECRET_KEY"])


@pytest.fixture
def bucket(s3_endpoint: str, request: pytest.FixtureRequest) -> str:
    """An empty bucket of its own for each test."""
    name = f"{BUCKET}-{abs(hash(request.node.nodeid)) % 10**8}"
    client = _raw(s3_endpoint)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": KEYS["S3_REGION"]})
    return name


def _store(endpoint: str, bucket: str, max_bytes: int = 1024 * 1024) -> S3FileStore:
    return S3FileStore(S3Settings.from_mapping({"S3_ENDPOINT": endpoint, "S3_BUCKET": bucket, **KEYS}), max_bytes)


def _objects(endpoint: str, bucket: str) -> list[str]:
    return [item["Key"] for item in _raw(endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_upload_is_stored_once_by_sha256_and_reads_back(s3_endpoint: str, bucket: str) -> None:
    store = _store(s3_endpoint, bucket)
    sha = hashlib.sha256(PDF).hexdigest()
    stored = store.put(io.BytesIO(PDF), "监测报告.pdf")
    assert (stored.sha256, stored.size, stored.media_type) == (sha, len(PDF), "application/pdf")
    again = store.put(io.BytesIO(PDF), "another name.pdf")
    assert again.sha256 == sha
    assert _objects(s3_endpoint, bucket) == [f"evidence/{sha[:2]}/{sha[2:4]}/{sha}"]  # one object for both
    assert store.exists(sha)
    with store.open(sha) as stream:
        assert stream.read() == PDF
    store.delete(sha)
    assert not store.exists(sha) and _objects(s3_endpoint, bucket) == []
    store.delete(sha)  # deleting again is not an error


def test_too_large_and_refused_content_store_nothing(s3_endpoint: str, bucket: str) -> None:
    store = _store(s3_endpoint, bucket, max_bytes=len(PDF) + 10)
    with pytest.raises(FileTooLarge, match="larger than"):
        store.put(io.BytesIO(PDF + b"x" * 100), "big.pdf")
    with pytest.raises(InvalidFile, match="script.pdf"):
        store.put(io.BytesIO(b"#!/bin/sh\nrm -rf /\n"), "script.pdf")
    assert _objects(s3_endpoint, bucket) == []


def test_missing_or_malformed_object_is_the_engines_not_found(s3_endpoint: str, bucket: str) -> None:
    store = _store(s3_endpoint, bucket)
    absent = hashlib.sha256(b"never stored").hexdigest()
    for sha in (absent, "../../etc/passwd", "ab" * 40):
        with pytest.raises(AttachmentNotFound, match="no stored file"):
            store.open(sha)
        assert not store.exists(sha)


def test_a_store_that_does_not_answer_is_unavailable(tmp_path: Path) -> None:
    store = S3FileStore(S3Settings.from_mapping({"S3_ENDPOINT": f"http://127.0.0.1:{free_port()}",
                                                 "S3_BUCKET": BUCKET, "S3_TIMEOUT": "2", **KEYS}))
    with pytest.raises(StorageUnavailable, match="does not answer"):
        store.put(io.BytesIO(PDF), "a.pdf")


def test_settings_name_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="ECOLOOP_S3_BUCKET, ECOLOOP_S3_SECRET_KEY"):
        S3Settings.from_mapping({"S3_ENDPOINT": "http://127.0.0.1:9", "S3_ACCESS_KEY": "k"})
    with pytest.raises(ConfigError, match="ECOLOOP_EVIDENCE_STORE must be one of local, s3"):
        file_store(load_settings({}, {"EVIDENCE_STORE": "ftp"}))
    assert "secret" not in repr(S3Settings.from_mapping({"S3_ENDPOINT": "e", "S3_BUCKET": "b", **KEYS}))


def test_app_factory_chooses_the_store_by_setting(tmp_path: Path) -> None:
    assert isinstance(file_store(load_settings({}, {"EVIDENCE_DIR": str(tmp_path)})), LocalFileStore)
    chosen = file_store(load_settings({}, {"EVIDENCE_STORE": "s3", "S3_ENDPOINT": "http://127.0.0.1:9",
                                           "S3_BUCKET": BUCKET, **KEYS}))
    assert isinstance(chosen, S3FileStore) and chosen.settings.region == "cn-south-1"


@pytest.mark.parametrize("backend", BACKENDS)
def test_api_uploads_and_downloads_through_the_bucket(backend: str, s3_endpoint: str, bucket: str,
                                                      tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        app = make_app(url, str(tmp_path / "evidence"), EVIDENCE_STORE="s3", S3_ENDPOINT=s3_endpoint,
                       S3_BUCKET=bucket, **KEYS)
        try:
            with app.extensions["ecoloop.sessions"].begin() as session:
                seed(session)
            clerk = login(app, TIANHE.credit_code)
            content = PDF + b"% through the api\n"
            uploaded = clerk.post("/api/v1/attachments", data={"file": (io.BytesIO(content), "报告.pdf")}, json=None)
            assert uploaded.status_code == 201, uploaded.get_json()
            sha = uploaded.get_json()["sha256"]
            assert f"evidence/{sha[:2]}/{sha[2:4]}/{sha}" in _objects(s3_endpoint, bucket)
            assert not (tmp_path / "evidence" / sha[:2]).exists()  # nothing on the local disk
            download = clerk.get(f"/api/v1/attachments/{uploaded.get_json()['id']}")
            assert download.status_code == 200 and download.data == content
            _raw(s3_endpoint).delete_object(Bucket=bucket, Key=f"evidence/{sha[:2]}/{sha[2:4]}/{sha}")
            gone = clerk.get(f"/api/v1/attachments/{uploaded.get_json()['id']}")
            assert gone.status_code == 404 and gone.content_type == "application/problem+json"
        finally:
            app.extensions["ecoloop.engine"].dispose()


def test_backup_says_the_bucket_is_not_copied(s3_endpoint: str, bucket: str, tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        env = environment(url, tmp_path, {"ECOLOOP_EVIDENCE_STORE": "s3", "ECOLOOP_S3_ENDPOINT": s3_endpoint,
                                          "ECOLOOP_S3_BUCKET": bucket,
                                          **{f"ECOLOOP_{key}": value for key, value in KEYS.items()}})
        done = subprocess.run([*ECOLOOP, "backup", str(tmp_path / "backup")], env=env, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "backup written" in done.stdout
    assert "S3 bucket" in done.stderr and "was not copied" in done.stderr
