"""Web apps that log in against two real slapd servers (guangdong.ldif plus identity_extra.ldif).

Test modules import the fixtures they need from here. The directory holds the
people of ``tests/integrations/ldap/guangdong.ldif``; the database holds the
bundled models, one anomaly waiting for the county in 天河区 (440106) and one
in 白云区 (440111), and a local break-glass admin that is not a demo account.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Role
from engine.audit.models import AuditEvent
from engine.identity import local_users as users
from engine.workflow import deployment as processes
from engine.workflow.bundle import bundled_model_files, read_model_file
from tests.conftest import BACKENDS
from tests.integrations.ldap.slapd import SlapdServer, slapd_installed
from tests.integrations.ldap.tree import (
    BAIYUN_ENTERPRISE,
    GROUPS_DN,
    LDIF,
    PEOPLE_DN,
    SERVICE_DN,
    SERVICE_PASSWORD,
    SUFFIX,
    TIANHE_ENTERPRISE,
)
from tests.support.actors import ADMIN
from tests.support.databases import fresh_database
from tests.support.flows import advance_to, start_anomaly
from tests.web.conftest import Browser
from web import create_app

EXTRA_LDIF = Path(__file__).with_name("identity_extra.ldif")
RESCUE_ADMIN = "rescue-admin"
RESCUE_PASSWORD = "Jinji-Guanli-2024"
GROUP_ROLE_MAP = " ".join([*(f"{role.value}={role.value}" for role in Role),
                           "hb_quxian_shenhe=county_reviewer", "hb_qiye=enterprise"])

_addresses = itertools.count(1)


@dataclass(frozen=True)
class DirectoryWorld:
    """An app wired to the directory, and the county tasks it holds."""

    app: Flask
    tianhe_task: str
    baiyun_task: str


def require_slapd() -> None:
    """In CI a missing slapd is a failure, elsewhere a skip."""
    if not slapd_installed():
        message = "slapd is not installed (apt-get install slapd ldap-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def directory_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SlapdServer, SlapdServer]]:
    """Two servers with the same data, for failover; tests that stop one start it again."""
    require_slapd()
    folder = tmp_path_factory.mktemp("web-ldap")
    tree = folder / "tree.ldif"
    tree.write_text(LDIF.read_text(encoding="utf-8") + "\n" + EXTRA_LDIF.read_text(encoding="utf-8"), encoding="utf-8")
    servers = [SlapdServer(folder / name, tree, suffix=SUFFIX, service_dn=SERVICE_DN) for name in ("first", "second")]
    try:
        for server in servers:
            server.start()
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def directory_config(servers: tuple[SlapdServer, ...], **overrides: str) -> dict[str, str]:
    """``ECOLOOP_LDAP_*`` settings (without the prefix) for the servers, with short timeouts."""
    values = {
        "LDAP_URIS": " ".join(server.uri for server in servers),
        "LDAP_BIND_DN": SERVICE_DN,
        "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
        "LDAP_USER_BASE_DN": PEOPLE_DN,
        "LDAP_GROUP_BASE_DN": GROUPS_DN,
        "LDAP_GROUP_ROLE_MAP": GROUP_ROLE_MAP,
        "LDAP_CONNECT_TIMEOUT": "1",
        "LDAP_RECEIVE_TIMEOUT": "2",
    }
    return values | overrides


@contextmanager
def directory_world(
    backend: str, tmp: Path, servers: tuple[SlapdServer, ...], **overrides: str
) -> Iterator[DirectoryWorld]:
    with fresh_database(backend, tmp) as url:
        config = {"DATABASE_URL": url, "EVIDENCE_DIR": str(tmp / "evidence"), "RUN_SCHEDULER_IN_WEB": "0",
                  **directory_config(servers), **overrides}
        app = create_app(config)
        with app.extensions["ecoloop.sessions"].begin() as session:
            tianhe, baiyun = _seed(session)
        yield DirectoryWorld(app, tianhe, baiyun)
        app.extensions["ecoloop.engine"].dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    directory_servers: tuple[SlapdServer, SlapdServer],
) -> Iterator[DirectoryWorld]:
    """The demo world on the two directory servers, per backend; a test module may set
    ``DIRECTORY_SETTINGS`` (e.g. a lower lockout threshold) for its own app."""
    settings = getattr(request.module, "DIRECTORY_SETTINGS", {})
    with directory_world(request.param, tmp_path_factory.mktemp("web-dir"), directory_servers, **settings) as world:
        yield world


def _seed(session: Session) -> tuple[str, str]:
    for path in bundled_model_files():
        processes.deploy(session, ADMIN, *read_model_file(path))
    users.create(session, RESCUE_ADMIN, RESCUE_PASSWORD, [Role.ADMIN], region_code="440000", display_name="应急管理员")
    tianhe = start_anomaly(session, region_code="440106", enterprise_code=TIANHE_ENTERPRISE, business_key="th")
    baiyun = start_anomaly(session, region_code="440111", enterprise_code=BAIYUN_ENTERPRISE, business_key="by")
    return advance_to(session, tianhe, "county_review").id, advance_to(session, baiyun, "county_review").id


def visitor(app: Flask) -> Browser:
    """A browser from an address of its own, so per-address throttling of one test spares the others."""
    browser = Browser(app.test_client())
    number = next(_addresses)
    browser.client.environ_base["REMOTE_ADDR"] = f"198.51.{100 + number // 250}.{number % 250 + 1}"
    return browser


def audit_events(app: Flask, action: str, actor: str | None = None) -> list[AuditEvent]:
    with app.extensions["ecoloop.sessions"]() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        if actor is not None:
            query = query.where(AuditEvent.actor == actor)
        return list(session.scalars(query))


@contextmanager
def stopped(*servers: SlapdServer) -> Iterator[None]:
    """Stop the servers for the block, then start them again whatever happened."""
    for server in servers:
        server.stop()
    try:
        yield
    finally:
        for server in servers:
            server.start()
