"""Real slapd servers loaded with guangdong.ldif, and directories that talk to them."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from integrations.ldap import LdapDirectory
from integrations.ldap import LdapSettings
from tests.integrations.ldap.slapd import Certificate
from tests.integrations.ldap.slapd import SlapdServer
from tests.integrations.ldap.slapd import slapd_installed
from tests.integrations.ldap.tree import GROUPS_DN
from tests.integrations.ldap.tree import LDIF
from tests.integrations.ldap.tree import PEOPLE_DN
from tests.integrations.ldap.tree import SERVICE_DN
from tests.integrations.ldap.tree import SERVICE_PASSWORD
from tests.integrations.ldap.tree import SUFFIX

MakeSlapd = Callable[..., SlapdServer]
MakeSettings = Callable[..., LdapSettings]


@pytest.fixture(scope="session")
def make_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeSlapd]:
    """Start a fresh slapd loaded with the LDIF; every one still running is stopped at the end."""
    if not slapd_installed():
        message = "slapd is not installed (apt-get install slapd ldap-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    servers: list[SlapdServer] = []

    def make(certificate: Certificate | None = None) -> SlapdServer:
        folder = tmp_path_factory.mktemp("slapd")
        server = SlapdServer(
            folder, LDIF, suffix=SUFFIX, service_dn=SERVICE_DN, certificate=certificate
        )
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def slapd(make_slapd: MakeSlapd) -> SlapdServer:
    """The server shared by tests that do not stop it; admin tests use fresh logins."""
    return make_slapd()


@pytest.fixture
def slapd_pair(make_slapd: MakeSlapd) -> Iterator[tuple[SlapdServer, SlapdServer]]:
    """Two servers with the same data, for tests that stop them."""
    pair = (make_slapd(), make_slapd())
    yield pair
    for server in pair:
        server.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return Certificate.create(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def tls_slapd(make_slapd: MakeSlapd, certificate: Certificate) -> SlapdServer:
    return make_slapd(certificate)


@pytest.fixture(scope="session")
def make_settings() -> MakeSettings:
    """Settings for the test tree with short timeouts; keyword arguments override fields."""

    def make(*uris: str, **overrides: Any) -> LdapSettings:
        values: dict[str, Any] = {
            "uris": uris,
            "bind_dn": SERVICE_DN,
            "bind_password": SERVICE_PASSWORD,
            "user_base_dn": PEOPLE_DN,
            "group_base_dn": GROUPS_DN,
            "connect_timeout": 1.0,
            "receive_timeout": 1,
        }
        return LdapSettings(**(values | overrides))

    return make


@pytest.fixture(scope="session")
def directory(slapd: SlapdServer, make_settings: MakeSettings) -> LdapDirectory:
    return LdapDirectory(make_settings(slapd.uri))


@pytest.fixture
def silent_uri() -> Iterator[str]:
    """A server that accepts TCP connections and never answers, like a hung slapd."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"ldap://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def closed_uri() -> str:
    """A port where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"ldap://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def unreachable_directory(make_settings: MakeSettings, closed_uri: str) -> LdapDirectory:
    return LdapDirectory(make_settings(closed_uri))
